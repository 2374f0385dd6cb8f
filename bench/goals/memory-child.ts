/**
 * Entry point of the memory goal's child process (`node --expose-gc --import tsx memory-child.ts N`):
 * prints one JSON line with the measurement so the parent's heap never mixes with what is measured.
 */
import { measureAppendRss } from './memory.js';

const count = Number(process.argv[2]);
if (!Number.isSafeInteger(count) || count <= 0) throw new Error(`memory-child: bad record count '${process.argv[2]}'`);
console.log(JSON.stringify(await measureAppendRss(count)));
