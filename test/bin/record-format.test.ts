import test from 'ava';
import { formatRecord, toJsonRecord, type PrintableRecord } from '../../bin/record-format.js';

const base: PrintableRecord = {
  topic: 't', partition: 1, offset: 7, timestamp: 1_700_000_000_000,
  key: Buffer.from('k'), value: Buffer.from('v é'), headers: [{ key: 'h', value: Buffer.from('x') }],
};

test('json: UTF-8 strings, no encoding fields', (t) => {
  t.deepEqual(toJsonRecord(base), {
    topic: 't', partition: 1, offset: 7, timestamp: 1_700_000_000_000,
    key: 'k', value: 'v é', headers: [{ key: 'h', value: 'x' }],
  });
});

test('json: nulls stay null, invalid UTF-8 becomes base64 with an encoding field', (t) => {
  const bad = Buffer.from([0xc3, 0x28]);
  const json = toJsonRecord({ ...base, key: null, value: bad, headers: [{ key: 'n', value: null }, { key: 'b', value: bad }] });
  t.is(json.key, null);
  t.false('keyEncoding' in json);
  t.is(json.value, bad.toString('base64'));
  t.is(json.valueEncoding, 'base64');
  t.deepEqual(json.headers, [{ key: 'n', value: null }, { key: 'b', value: 'wyg=', valueEncoding: 'base64' }]);
});

test('text: raw value bytes, key TAB value, null as "null"', (t) => {
  t.deepEqual(formatRecord(base, 'text', false), Buffer.from('v é\n'));
  t.deepEqual(formatRecord({ ...base, key: null }, 'text', true), Buffer.from('null\tv é\n'));
  t.deepEqual(formatRecord({ ...base, value: Buffer.from([0xff]) }, 'text', false), Buffer.from([0xff, 0x0a]));
  t.deepEqual(formatRecord({ ...base, value: null }, 'text', false), Buffer.from('null\n'));
  t.is(formatRecord(base, 'json', false).toString().split('\n').length, 2);
});
