/**
 * LogSegment's record of which batches this process has CRC-checked: everything appended, the
 * tail verified by recovery, and older bytes verified by reads, joined into the tail once
 * contiguous with it; truncation takes back what it cuts. Reads re-check only the framing of
 * those bytes, so the record must never cover bytes nobody verified.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { LogSegment } from '../../../core/log/log-segment.js';
import { setBaseOffset } from '../../../core/record/record-batch.js';
import { batchOf } from '../../helpers/batches.js';
import { tempDir } from '../../helpers/temp-dir.js';

const OPTIONS = { indexIntervalBytes: 4096, segmentIndexBytes: 1 << 20 };

/** A segment with `count` one-record batches, closed, and the batches' byte sizes. */
function writtenSegment(dir: string, count: number): number[] {
  const segment = LogSegment.create(dir, 0, OPTIONS, 0);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const batch = batchOf(i, 1);
    setBaseOffset(batch, i);
    segment.append(batch, i, 1);
    sizes.push(batch.length);
  }
  segment.close();
  return sizes;
}

test('a new segment counts what it appends as checked', (t) => {
  const dir = tempDir(t);
  const segment = LogSegment.create(dir, 0, OPTIONS, 0);
  t.teardown(() => segment.close());
  const batch = batchOf(0, 2);
  segment.append(batch, 1, 1);
  t.true(segment.isChecked(0, batch.length));
  t.false(segment.isChecked(0, batch.length + 1), 'nothing past the end');
});

test('an opened segment checks old bytes once reads verify them, and joins them with the tail when contiguous', (t) => {
  const dir = tempDir(t);
  const sizes = writtenSegment(dir, 4);
  const { segment } = LogSegment.open(dir, 0, OPTIONS, 0);
  t.teardown(() => segment.close());
  const at = (i: number): number => sizes.slice(0, i).reduce((a, b) => a + b, 0);
  for (let i = 0; i < 4; i++) t.false(segment.isChecked(at(i), sizes[i]!), `batch ${i} is old and unchecked`);
  const appended = batchOf(4, 1);
  setBaseOffset(appended, 4);
  segment.append(appended, 4, 1);
  t.true(segment.isChecked(at(4), appended.length), 'appended bytes are checked');
  segment.markChecked(at(1), sizes[1]!);
  t.true(segment.isChecked(at(1), sizes[1]!));
  t.false(segment.isChecked(at(0), sizes[0]!));
  // Not adjacent to the range reads have verified so far: not recorded (one range is kept).
  segment.markChecked(at(3), sizes[3]!);
  t.false(segment.isChecked(at(3), sizes[3]!));
  segment.markChecked(at(2), sizes[2]!);
  segment.markChecked(at(3), sizes[3]!);
  t.true(segment.isChecked(at(1), at(5) - at(1)), 'batches 1–4 and the appended one form one checked range');
  segment.markChecked(at(0), sizes[0]!);
  t.true(segment.isChecked(0, at(5)));
});

test('truncation takes back what it cuts; bytes appended in its place are checked again', (t) => {
  const dir = tempDir(t);
  const sizes = writtenSegment(dir, 3);
  const { segment } = LogSegment.open(dir, 0, OPTIONS, 0);
  t.teardown(() => segment.close());
  segment.recover();
  t.true(segment.isChecked(0, segment.size), 'recovery verified every batch');
  segment.truncateTo(1);
  t.is(segment.size, sizes[0]!);
  t.false(segment.isChecked(0, sizes[0]! + 1), 'nothing past the cut');
  const replacement = batchOf(1, 3);
  setBaseOffset(replacement, 1);
  segment.append(replacement, 3, 1);
  t.true(segment.isChecked(0, sizes[0]! + replacement.length));
});

test('recovery marks only what it verified: nothing below the recovery point, and nothing past damage it cut', (t) => {
  const dir = tempDir(t);
  const sizes = writtenSegment(dir, 3);
  const file = path.join(dir, '00000000000000000000.log');
  const bytes = fs.readFileSync(file);
  // A byte of batch 1's record value: covered by the CRC, not by the framing.
  const damaged = sizes[0]! + sizes[1]! - 2;
  bytes[damaged] = bytes[damaged]! ^ 0xff;
  fs.writeFileSync(file, bytes);
  const below = LogSegment.open(dir, 0, OPTIONS, 0).segment;
  below.recover({ verifyFrom: 10 });
  t.is(below.size, bytes.length, 'below the recovery point nothing is verified or cut');
  for (let at = 0, i = 0; i < 3; at += sizes[i]!, i++) t.false(below.isChecked(at, sizes[i]!), `batch ${i} unchecked`);
  below.close();
  const above = LogSegment.open(dir, 0, OPTIONS, 0).segment;
  t.teardown(() => above.close());
  above.recover({ verifyFrom: 0 });
  t.is(above.size, sizes[0]!, 'from the recovery point on, the damaged batch and what follows are cut');
  t.true(above.isChecked(0, sizes[0]!));
  t.false(above.isChecked(0, sizes[0]! + 1));
});
