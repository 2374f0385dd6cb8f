/**
 * Server test helpers: a served Eddy on a temp data directory, and the bare protocol client of
 * core/protocol/wire-client.ts to talk to it.
 */
import type { ExecutionContext } from 'ava';
import { Eddy } from '../../core/eddy.js';
import type { KafkaServer } from '../../core/server/kafka-server.js';
import type { ServerOptions } from '../../core/server/server-options.js';
import type { EddyOptions } from '../../core/eddy-options.js';
import { tempDir } from './temp-dir.js';

export { connectWire, type WireClient } from '../../core/protocol/wire-client.js';

/** An Eddy on a temp data directory serving on a free loopback port; closed when the test ends. */
export async function servedEddy(
  t: ExecutionContext,
  options: { eddy?: Partial<EddyOptions>; server?: ServerOptions } = {},
): Promise<{ eddy: Eddy; server: KafkaServer; port: number; dataDir: string }> {
  const dataDir = tempDir(t, 'eddy-wire-');
  const eddy = await Eddy.open({ dataDir, serve: false, ...options.eddy });
  t.teardown(() => eddy.close());
  const server = await eddy.serve({ listen: '127.0.0.1:0', unixSocket: false, ...options.server });
  return { eddy, server, port: server.addresses.tcp!.port, dataDir };
}
