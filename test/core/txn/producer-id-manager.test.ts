/**
 * Producer ids are unique for the life of a data directory: blocks are persisted before use, so a
 * restart (clean or not) resumes past everything handed out; a damaged block file is a coded error.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError } from '../../../core/errors.js';
import { PRODUCER_ID_BLOCK_FILE, PRODUCER_ID_BLOCK_SIZE, ProducerIdManager } from '../../../core/txn/producer-id-manager.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { crashCopy, openEddy } from './txn-fixture.js';

test('ids are consecutive within a block; the block end is on disk before the first id of it is used', (t) => {
  const dir = tempDir(t);
  const ids = new ProducerIdManager(dir);
  t.false(fs.existsSync(path.join(dir, PRODUCER_ID_BLOCK_FILE)));
  t.is(ids.generate(), 0);
  t.is(fs.readFileSync(path.join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8'), `0\n${PRODUCER_ID_BLOCK_SIZE}\n`);
  for (let i = 1; i < PRODUCER_ID_BLOCK_SIZE; i++) t.is(ids.generate(), i);
  t.is(ids.generate(), PRODUCER_ID_BLOCK_SIZE);
  t.is(fs.readFileSync(path.join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8'), `0\n${2 * PRODUCER_ID_BLOCK_SIZE}\n`);
});

test('a new manager on the same directory (a restart, or a crash mid-block) never reuses an id', (t) => {
  const dir = tempDir(t);
  const seen = new Set<number>();
  for (let life = 0; life < 5; life++) {
    const ids = new ProducerIdManager(dir);
    for (let i = 0; i < 7 + life * 400; i++) {
      const id = ids.generate();
      t.false(seen.has(id), `id ${id} handed out twice`);
      seen.add(id);
    }
  }
});

test('reserveAbove moves allocation past an id seen elsewhere (a removed block file)', (t) => {
  const dir = tempDir(t);
  const ids = new ProducerIdManager(dir);
  ids.reserveAbove(4321);
  t.is(ids.generate(), 4322);
  ids.reserveAbove(10);
  t.is(ids.generate(), 4323);
});

for (const [name, content] of [['garbage', 'hello'], ['a negative id', '0\n-5\n'], ['an unknown version', '1\n1000\n'], ['an empty file', '']] as const) {
  test(`a block file holding ${name} is ERR_DATA_DIR_INVALID naming the file; it is not reset`, (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, PRODUCER_ID_BLOCK_FILE);
    fs.writeFileSync(file, content);
    const err = t.throws(() => new ProducerIdManager(dir));
    t.true(isEddyError(err, 'ERR_DATA_DIR_INVALID') && err.context.path === file, String(err));
    t.is(fs.readFileSync(file, 'utf8'), content);
  });
}

test('through Eddy: idempotent producer ids stay unique across a clean close and an unclean reopen', async (t) => {
  const dataDir = tempDir(t);
  const seen = new Set<number>();
  const take = async (eddy: Eddy, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const { producerId, producerEpoch } = await eddy.logAccess.transactions.initProducerId(null, 60_000);
      t.is(producerEpoch, 0);
      t.false(seen.has(producerId));
      seen.add(producerId);
    }
  };
  const first = await Eddy.open({ dataDir });
  await take(first, 3);
  await first.close();
  const second = await openEddy(t, dataDir);
  await take(second, 3);
  // A crash image of the open directory: the block file as written, no clean shutdown.
  const third = await openEddy(t, crashCopy(t, dataDir));
  await take(third, 3);
  t.is(seen.size, 9);
});
