/**
 * Group membership under churn, in one process on a ManualClock: 3 members consume with
 * commit-after-process, two of them crash (simulateCrash: no leave, no more heartbeats — how a
 * crashed member looks to the coordinator), the survivor takes everything over after the session
 * timeout, two new members join, one more crashes and another joins, until every record is done.
 *
 * Checked: no record is left unprocessed; no record is processed below the partition's last
 * acknowledged commit (so duplicates are only of records after the last commit); and an ownership
 * log shows no partition owned by two live members at the same moment, and no record processed by a
 * member that does not own its partition.
 */
import test from 'ava';
import type { Consumer } from '../../../core/client/consumer.js';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError } from '../../../core/errors.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn } from '../../helpers/wait-for.js';

const PARTITIONS = 6;
const SESSION = 10_000;

for (const assignor of ['range', 'cooperative-sticky'] as const) {
  test(`3 → 1 → 3 members with crashes (${assignor}): nothing lost, duplicates only after the last commit, one owner at a time`, async (t) => {
    t.timeout(90_000);
    const clock = new ManualClock();
    const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
    t.teardown(() => eddy.close());
    const topic = uniqueTopic('members');
    await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
    const producer = eddy.producer({ acks: 1 });
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await producer.send({ topic, messages: [{ key: `k${produced}`, value: `v${produced++}`, partition: produced % PARTITIONS }] });
    };

    const violations: string[] = [];
    /** partition → owning worker id (only live ones count). */
    const owner = new Map<number, string>();
    const ownershipLog: string[] = [];
    const lastCommit = new Map<number, number>();
    const processedCount = new Map<string, number>();
    let duplicates = 0;
    const live = new Set<string>();

    class Worker {
      readonly consumer: Consumer;
      running = true;
      readonly done: Promise<void>;
      constructor(readonly id: string) {
        live.add(id);
        this.consumer = eddy.consumer({ groupId: 'g', autoOffsetReset: 'earliest', autoCommit: false, sessionTimeoutMs: SESSION, heartbeatIntervalMs: 1_000, partitionAssignors: [assignor] });
        const acquire = (partitions: Array<{ partition: number }>): void => {
          for (const { partition } of partitions) {
            const current = owner.get(partition);
            if (current !== undefined && live.has(current)) violations.push(`${id} got ${partition} while ${current} owns it`);
            owner.set(partition, id);
            ownershipLog.push(`${id} +${partition}`);
          }
        };
        const release = (partitions: Array<{ partition: number }>): void => {
          for (const { partition } of partitions) {
            if (owner.get(partition) === id) owner.delete(partition);
            ownershipLog.push(`${id} -${partition}`);
          }
        };
        this.consumer.subscribe({
          topics: [topic],
          listener: {
            onPartitionsAssigned: acquire,
            onPartitionsRevoked: async (partitions) => {
              await this.commit();
              release(partitions);
            },
            onPartitionsLost: release,
          },
        });
        this.done = this.run().catch((err: unknown) => {
          violations.push(`${id} stopped on ${String(err)}`);
        });
      }

      /** Crash right after processing a batch, before its commit: its records will be processed again. */
      crashAfterProcessing = false;

      private pending = new Map<number, number>();

      /** Commits under way: virtual time only moves on while none is (an fsync takes real time). */
      committing = 0;

      private async commit(): Promise<void> {
        const batch = [...this.pending];
        this.committing++;
        try {
          await this.consumer.commit();
        } catch {
          return; // fenced by a rebalance: the next owner re-reads from the last acknowledged commit
        } finally {
          this.committing--;
        }
        for (const [partition, offset] of batch) lastCommit.set(partition, Math.max(lastCommit.get(partition) ?? 0, offset));
        this.pending.clear();
      }

      private async run(): Promise<void> {
        while (this.running) {
          const records = await this.consumer.poll({ maxRecords: 5, timeoutMs: 1_000 }).catch((err: unknown) => {
            if (!this.running || isEddyError(err, 'ERR_CONSUMER_CLOSED')) return null;
            throw err;
          });
          if (records === null) return;
          if (!this.running) return; // crashed meanwhile: these records are never processed
          for (const r of records) {
            if (owner.get(r.partition) !== this.id) violations.push(`${this.id} processed ${r.partition}@${r.offset} without owning it (owner ${owner.get(r.partition)})`);
            if (r.offset < (lastCommit.get(r.partition) ?? 0)) violations.push(`${r.partition}@${r.offset} processed below the last commit ${lastCommit.get(r.partition)}`);
            const key = `${r.partition}@${r.offset}`;
            const seen = processedCount.get(key) ?? 0;
            if (seen > 0) duplicates++;
            processedCount.set(key, seen + 1);
            this.pending.set(r.partition, r.offset + 1);
          }
          if (this.crashAfterProcessing && records.length > 0) {
            this.crash();
            return;
          }
          if (records.length > 0) await this.commit();
        }
      }

      crash(): void {
        this.running = false;
        live.delete(this.id);
        this.consumer.simulateCrash();
      }

      async stop(): Promise<void> {
        this.running = false;
        await this.consumer.close();
        live.delete(this.id);
        await this.done;
      }
    }

    let workers: Worker[] = [];
    const drive = async (condition: () => boolean, what: string): Promise<void> => {
      for (let step = 0; step < 3_000; step++) {
        if (condition()) return;
        // A commit waits for a real fdatasync; advancing the virtual clock while one is pending would
        // expire sessions for no reason on a loaded machine. Wait for it (a condition, not a delay).
        for (let k = 0; k < 10_000 && workers.some((w) => w.committing > 0); k++) await new Promise<void>((resolve) => setImmediate(resolve));
        clock.advance(250);
        for (let k = 0; k < 4; k++) await nextTurn();
      }
      const w = workers[0]!;
      t.log(w.consumer.assignment().map((tp) => `${tp.partition}:${w.consumer.position(tp)}/${eddy.partitionLog(topic, tp.partition).logEndOffset()}`).join(' '));
      t.fail(`timed out driving until ${what} (${processedCount.size}/${produced} processed); ownership log tail: ${ownershipLog.slice(-12).join(', ')}`);
      throw new Error(what);
    };
    const processedAll = (): boolean => processedCount.size === produced;
    const ownedBy = (w: Worker): number[] => [...owner].filter(([, id]) => id === w.id).map(([p]) => p);

    await produce(300);
    workers = [new Worker('w1'), new Worker('w2'), new Worker('w3')];
    await drive(() => workers.every((w) => ownedBy(w).length === 2), 'three members own two partitions each');
    await drive(() => processedCount.size >= 100, 'some progress');
    workers[1]!.crashAfterProcessing = true;
    // Fresh records on every partition, so w2 has a batch to process (and crash after) however far
    // the members had got.
    await produce(30);
    await drive(() => !workers[1]!.running, 'w2 crashed between processing and commit');
    workers[2]!.crash();
    await produce(150);
    await drive(() => ownedBy(workers[0]!).length === PARTITIONS, 'the survivor owns every partition');
    await drive(() => processedCount.size >= 380, 'progress with one member');
    workers.push(new Worker('w4'), new Worker('w5'));
    await produce(150);
    await drive(() => [0, 3, 4].every((i) => ownedBy(workers[i]!).length === 2), 'three members again');
    workers[3]!.crashAfterProcessing = true;
    await produce(30);
    await drive(() => !workers[3]!.running, 'w4 crashed between processing and commit');
    workers.push(new Worker('w6'));
    await produce(100);
    await drive(processedAll, 'every record processed');
    for (const w of [workers[0]!, workers[4]!, workers[5]!]) await w.stop();

    t.deepEqual(violations, []);
    t.is(processedCount.size, produced, 'no record left unprocessed');
    t.true(ownershipLog.length >= 12, `ownership changed hands (${ownershipLog.length} events)`);
    t.true(duplicates > 0, 'the crashes between processing and commit caused redeliveries');
    t.log(`${produced} records, ${duplicates} duplicates, ${ownershipLog.length} ownership events`);
    const description = await eddy.admin.describeGroup('g');
    t.is(description.state, 'Empty');
    t.true(description.partitions.every((p) => p.lag === 0), 'everything committed at the end');
  });
}
