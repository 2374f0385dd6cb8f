/**
 * Committed offsets survive kill -9 of the process that owns the log while it commits: after
 * reopening, each partition's committed offset equals the last acknowledged commit — or the one
 * commit that was in flight at the kill (sent, fsynced perhaps, not yet acknowledged): never behind
 * the last acknowledgement, never ahead of what was sent.
 */
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { spawnFixture } from '../../helpers/child-process.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

const CYCLES = 12;

test(`committed offsets after ${CYCLES} kill -9 cycles equal the last acknowledged commit (or the one in flight)`, async (t) => {
  t.timeout(100_000);
  const dataDir = tempDir(t, 'eddy-offsets-kill9-');
  const topic = uniqueTopic('kill9-offsets');
  let exact = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const child = spawnFixture('offset-committer.ts', [dataDir, topic, 'g']);
    const target = 5 + Math.floor(Math.random() * 150);
    await child.waitForLines((lines) => lines.filter((l) => l.startsWith('ack')).length >= target, `${target} acknowledged commits`);
    child.process.kill('SIGKILL');
    const { signal } = await child.exited;
    t.is(signal, 'SIGKILL', `cycle ${cycle}: ${child.stderr()}`);
    const lastAck = new Map<number, number>();
    const lastTry = new Map<number, number>();
    for (const line of child.lines) {
      const [kind, p, o] = line.split(' ');
      (kind === 'ack' ? lastAck : lastTry).set(Number(p), Number(o));
    }
    const eddy = await Eddy.open({ dataDir });
    try {
      const consumer = eddy.consumer({ groupId: 'g' });
      const committed = await consumer.committed([0, 1, 2].map((partition) => ({ topic, partition })));
      for (const { partition, offset } of committed) {
        const ack = lastAck.get(partition) ?? null;
        const tried = lastTry.get(partition) ?? null;
        if (offset === ack) {
          exact++;
          continue;
        }
        t.true(offset !== null && tried !== null && offset === tried && (ack === null || tried > ack),
          `cycle ${cycle}, partition ${partition}: committed ${offset}, last ack ${ack}, last sent ${tried}`);
      }
      await consumer.close();
    } finally {
      await eddy.close();
    }
  }
  t.log(`${exact} of ${CYCLES * 3} partitions exactly at the last acknowledgement; the rest at the commit in flight`);
});
