/**
 * A full garbage collection between measurements, so that no contender pays for the garbage the one
 * before it left (a reader allocating millions of records would otherwise slow the next one down).
 * `npm run bench` runs node without --expose-gc, so the flag is set at run time and `gc` is taken
 * from a fresh context, where V8 installs it once the flag is on.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

export function collectGarbage(): void {
  gc();
}
