/**
 * The real `eddy` command over transactional data: `consume --isolation-level` and the last stable
 * offset in `topics describe`. The data is written in-process (transactional batches and markers
 * straight to the partition log), and the data directory closed before the command runs. A command
 * owns the data directory while it runs, and Eddy aborts the transactions the last owner left open
 * when it opens, so the command never sees an open one: the LSO it reports is the log end.
 */
import test, { type ExecutionContext } from 'ava';
import { Eddy } from '../../core/eddy.js';
import { encodeRecordBatch } from '../../core/record/record-batch.js';
import { lines, makeDataDir, runEddy } from '../helpers/cli.js';

/**
 * Topic `events`, one partition: offsets 0-1 an aborted transaction (producer 1), 2 its marker, 3 a
 * plain record, 4 a committed transaction's record (producer 2), 5 its marker, 6 the record of a
 * transaction left open (producer 3), 7 a plain record behind it; the next open writes the abort
 * marker of producer 3 at 8.
 */
async function transactionalTopic(t: ExecutionContext): Promise<string[]> {
  const dir = await makeDataDir(t);
  const eddy = await Eddy.open({ dataDir: dir });
  try {
    await eddy.admin.createTopic('events', { partitions: 1 });
    const log = eddy.partitionLog('events', 0);
    const batch = (values: string[], producerId?: number): Buffer => encodeRecordBatch({
      records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
      ...(producerId === undefined ? {} : { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
    });
    await log.append(batch(['aborted-1', 'aborted-2'], 1));
    log.appendControl('abort', 1, 0, 0);
    await log.append(batch(['plain-1']));
    await log.append(batch(['committed-1'], 2));
    log.appendControl('commit', 2, 0, 0);
    await log.append(batch(['left-open'], 3));
    await log.append(batch(['plain-2']));
    t.is(log.lastStableOffset(), 6);
  } finally {
    await eddy.close();
  }
  return ['--data-dir', dir];
}

test('consume prints committed records only by default and with read_committed; everything with read_uncommitted', async (t) => {
  const d = await transactionalTopic(t);
  for (const level of [[], ['--isolation-level', 'read_committed']]) {
    const consumed = await runEddy(['consume', 'events', '--from-beginning', '--timeout-ms', '300', ...level, ...d]);
    t.is(consumed.code, 0, consumed.stderr);
    t.deepEqual(lines(consumed.stdout), ['plain-1', 'committed-1', 'plain-2'], level.join(' '));
    t.is(consumed.stderr, '3 records consumed\n');
  }
  const all = await runEddy(['consume', 'events', '--from-beginning', '--timeout-ms', '300', '--isolation-level', 'read_uncommitted', '--format', 'json', ...d]);
  t.is(all.code, 0, all.stderr);
  const records = lines(all.stdout).map((l) => JSON.parse(l) as { offset: number; value: string });
  t.deepEqual(records.map((r) => [r.offset, r.value]), [[0, 'aborted-1'], [1, 'aborted-2'], [3, 'plain-1'], [4, 'committed-1'], [6, 'left-open'], [7, 'plain-2']]);
});

test('consume --isolation-level rejects other values with a one-line usage error', async (t) => {
  const d = await transactionalTopic(t);
  const bad = await runEddy(['consume', 'events', '--isolation-level', 'READ_COMMITTED', ...d]);
  t.is(bad.code, 2, bad.stderr);
  t.is(bad.stdout, '');
  t.regex(bad.stderr, /^eddy: ERR_CLI_USAGE: Option --isolation-level must be one of read_committed, read_uncommitted, got "READ_COMMITTED"\n$/);
  const help = await runEddy(['consume', '--help']);
  t.regex(help.stdout, /--isolation-level LEVEL/);
});

test('topics describe shows the last stable offset per partition, in text and json', async (t) => {
  const d = await transactionalTopic(t);
  const json = await runEddy(['topics', 'describe', 'events', '--format', 'json', ...d]);
  t.is(json.code, 0, json.stderr);
  const description = JSON.parse(json.stdout) as { partitions: Array<{ partition: number; logEndOffset: number; lastStableOffset: number }> };
  t.like(description.partitions[0], { partition: 0, logEndOffset: 9, lastStableOffset: 9 }, 'the transaction left open was aborted on open');

  const text = await runEddy(['topics', 'describe', 'events', ...d]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /\nPARTITION +LOG-START-OFFSET +LOG-END-OFFSET +LAST-STABLE-OFFSET +SIZE +SEGMENTS\n0 +0 +9 +9 +\d+ +1\n$/);
});
