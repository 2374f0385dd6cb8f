/**
 * An Eddy opened on a scratch data directory, closed and removed afterwards; optionally served
 * over Kafka's wire protocol on a free loopback TCP port for the wire-* goals.
 */
import { Eddy } from '../../core/index.js';
import { withTempDir } from './temp-dir.js';

/** `segment.bytes` large enough that no goal measures a segment roll in the middle of a round. */
export const BENCH_TOPIC_CONFIG = { 'segment.bytes': 1073741824 };

export async function withEddy<T>(prefix: string, work: (eddy: Eddy) => Promise<T>): Promise<T> {
  return withTempDir(prefix, async (dataDir) => {
    const eddy = await Eddy.open({ dataDir });
    try {
      return await work(eddy);
    } finally {
      await eddy.close();
    }
  });
}

/**
 * An Eddy served on 127.0.0.1 at a free port, TCP only (no Unix socket, and no owner server
 * besides this one); `bootstrap` is `host:port` for a Kafka client.
 */
export async function withServedEddy<T>(prefix: string, work: (eddy: Eddy, bootstrap: string) => Promise<T>): Promise<T> {
  return withTempDir(prefix, async (dataDir) => {
    const eddy = await Eddy.open({ dataDir, serve: false });
    try {
      const server = await eddy.serve({ listen: '127.0.0.1:0', unixSocket: false });
      const { host, port } = server.addresses.tcp!;
      return await work(eddy, `${host}:${port}`);
    } finally {
      await eddy.close();
    }
  });
}

/** Records stored in all `partitions` partitions of `topic` (log end offsets; no retention runs in a goal). */
export function storedRecords(eddy: Eddy, topic: string, partitions: number): number {
  let count = 0;
  for (let p = 0; p < partitions; p++) count += eddy.partitionLog(topic, p).logEndOffset();
  return count;
}
