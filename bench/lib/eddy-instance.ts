/** An Eddy opened on a scratch data directory, closed and removed afterwards. */
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
