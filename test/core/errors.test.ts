/**
 * The error registry: every code is well formed, unique, has a default message, and is documented
 * in the README's error table with the same meaning and retriable flag. EddyError carries them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { ERROR_CODES, EddyError, isEddyError, toSafeNumber, type ErrorCode } from '../../core/errors.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');
const CODE_SHAPE = /^ERR_[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** `| \`ERR_X\` | meaning | yes/no |` rows of the README, by code. */
function readmeErrorRows(): Map<string, { meaning: string; retriable: string }> {
  const rows = new Map<string, { meaning: string; retriable: string }>();
  const text = fs.readFileSync(README, 'utf8');
  for (const line of text.split('\n')) {
    const match = /^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|([^|]*)\|([^|]*)\|\s*$/.exec(line);
    if (match !== null) rows.set(match[1] as string, { meaning: (match[2] as string).trim(), retriable: (match[3] as string).trim() });
  }
  return rows;
}

test('the registry is not empty', (t) => {
  t.true(codes.length >= 20, `${codes.length} codes`);
});

test('every code has the ERR_<AREA>_<CONDITION> shape', (t) => {
  t.deepEqual(codes.filter((code) => !CODE_SHAPE.test(code)), [], `codes not matching ${CODE_SHAPE}`);
});

test('codes are unique, also ignoring case', (t) => {
  t.is(new Set(codes).size, codes.length);
  t.is(new Set(codes.map((c) => c.toUpperCase())).size, codes.length);
});

test('every code has a non-empty default message and a boolean retriable flag', (t) => {
  for (const code of codes) {
    const [message, retriable] = ERROR_CODES[code];
    t.is(typeof message, 'string', code);
    t.true(message.trim().length > 0, code);
    t.is(typeof retriable, 'boolean', code);
  }
  // Distinct messages, so a message alone still tells the codes apart.
  t.is(new Set(codes.map((c) => ERROR_CODES[c][0])).size, codes.length);
});

test('every code is documented in README.md with its meaning and retriable flag', (t) => {
  const text = fs.readFileSync(README, 'utf8');
  const rows = readmeErrorRows();
  for (const code of codes) {
    t.true(text.includes(code), `${code} is not in README.md`);
    const row = rows.get(code);
    if (row === undefined) {
      t.fail(`${code} has no row in the README's error table`);
      continue;
    }
    t.is(row.meaning, ERROR_CODES[code][0], `${code}: README meaning`);
    t.is(row.retriable, ERROR_CODES[code][1] ? 'yes' : 'no', `${code}: README retriable`);
  }
});

test('the README documents no code that does not exist', (t) => {
  const rows = readmeErrorRows();
  t.true(rows.size > 0, 'README.md has an error table');
  for (const code of rows.keys()) t.true(code in ERROR_CODES, `README lists ${code}, which is not in ERROR_CODES`);
});

test('EddyError carries code, default message, retriable and context', (t) => {
  for (const code of codes) {
    const err = new EddyError(code);
    t.true(err instanceof Error);
    t.is(err.name, 'EddyError');
    t.is(err.code, code);
    t.is(err.message, ERROR_CODES[code][0]);
    t.is(err.retriable, ERROR_CODES[code][1]);
    t.deepEqual(err.context, {});
    t.true(isEddyError(err));
    t.true(isEddyError(err, code));
  }
  const cause = new Error('EIO');
  const err = new EddyError('ERR_STORAGE_IO', 'write failed', { topic: 't', partition: 1, path: '/x' }, { cause });
  t.is(err.message, 'write failed');
  t.true(err.retriable);
  t.deepEqual(err.context, { topic: 't', partition: 1, path: '/x' });
  t.is(err.cause, cause);
  t.false(isEddyError(err, 'ERR_LOG_FAILED'));
  t.false(isEddyError(new Error('plain')));
  t.false(isEddyError({ code: 'ERR_STORAGE_IO' }));
  t.regex(err.stack ?? '', /errors\.test\.ts/);
});

test('toSafeNumber accepts the safe range and rejects beyond it with ERR_INT64_UNSAFE', (t) => {
  t.is(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), 'offset'), Number.MAX_SAFE_INTEGER);
  t.is(toSafeNumber(BigInt(Number.MIN_SAFE_INTEGER), 'offset'), Number.MIN_SAFE_INTEGER);
  t.is(toSafeNumber(-1n, 'offset'), -1);
  for (const unsafe of [BigInt(Number.MAX_SAFE_INTEGER) + 1n, BigInt(Number.MIN_SAFE_INTEGER) - 1n, 2n ** 63n - 1n]) {
    t.throws(() => toSafeNumber(unsafe, 'offset'), { code: 'ERR_INT64_UNSAFE' } as never, String(unsafe));
  }
});
