/**
 * The two backends every remote test body runs against: the embedded log (`Eddy.open`) and
 * `Eddy.connect` to the same kind of Eddy served over Kafka's protocol on a loopback port. A test
 * written once with `bothBackends()` proves the two behave the same.
 */
import test, { type ExecutionContext } from 'ava';
import type { EddyClient } from '../../../core/client/interfaces.js';
import { Eddy } from '../../../core/eddy.js';
import type { EddyOptions } from '../../../core/eddy-options.js';
import { connectEddy } from '../../../core/remote/index.js';
import type { RemoteEddy } from '../../../core/remote/remote-eddy.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { tempDir } from '../../helpers/temp-dir.js';

export type BackendName = 'embedded' | 'remote';

export interface OpenBackend {
  name: BackendName;
  /** The client under test. */
  client: EddyClient;
  /** The Eddy holding the data (the same object as `client` when embedded; the served one when remote). */
  eddy: Eddy;
  /** Another client of the same data, as the backend hands them out (a second process would get one). */
  another(): Promise<EddyClient>;
}

export async function openBackend(t: ExecutionContext, name: BackendName, eddyOptions: Partial<EddyOptions> = {}): Promise<OpenBackend> {
  if (name === 'embedded') {
    const eddy = await Eddy.open({ dataDir: tempDir(t, 'eddy-embedded-'), serve: false, ...eddyOptions });
    t.teardown(() => eddy.close());
    return { name, client: eddy, eddy, another: async () => eddy };
  }
  const { eddy, port } = await servedEddy(t, { eddy: { serve: false, ...eddyOptions } });
  const connect = async (): Promise<RemoteEddy> => {
    const client = await connectEddy({ brokers: [`127.0.0.1:${port}`], clientId: 'eddy-remote-test' });
    t.teardown(() => client.close());
    return client;
  };
  return { name, client: await connect(), eddy, another: connect };
}

export const BACKENDS: readonly BackendName[] = ['embedded', 'remote'];

/** Declares `title [embedded]` and `title [remote]`, each running `body` against its backend. */
export function bothBackends(title: string, body: (t: ExecutionContext, backend: OpenBackend) => Promise<void>, eddyOptions: Partial<EddyOptions> = {}): void {
  for (const name of BACKENDS) {
    test(`${title} [${name}]`, async (t) => body(t, await openBackend(t, name, eddyOptions)));
  }
}

/** Polls until `count` records arrived (or fails after `maxPolls` empty polls). */
export async function pollRecords<R>(consumer: { poll(o?: { maxRecords?: number; timeoutMs?: number }): Promise<R[]> }, count: number, maxPolls = 50): Promise<R[]> {
  const out: R[] = [];
  for (let empty = 0; out.length < count && empty < maxPolls;) {
    const got = await consumer.poll({ timeoutMs: 200 });
    if (got.length === 0) empty++;
    out.push(...got);
  }
  return out;
}
