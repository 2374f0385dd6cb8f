/**
 * The schema engine on small made-up messages: version ranges, defaults for absent fields,
 * compact encodings in flexible versions and the per-field override, nullability, tagged fields
 * (written only when not default, unknown ones skipped), and definition checks.
 */
import test from 'ava';
import { isEddyError } from '../../../core/errors.js';
import { Reader, Writer } from '../../../core/protocol/primitives.js';
import { decode, defineMessage, encode, inVersions, parseVersions, type Message, type StructValue } from '../../../core/protocol/schema.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const Sample = defineMessage({
  name: 'Sample',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'id', type: 'int32', versions: '0+' },
    { name: 'label', type: 'string', versions: '1+', nullableVersions: '3+', default: 'none' },
    { name: 'legacy', type: 'string', versions: '0+', flexibleVersions: 'none' },
    {
      name: 'items',
      type: '[]struct',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'key', type: 'int16', versions: '0+' },
        { name: 'weight', type: 'int64', versions: '2+', default: -1 },
      ],
    },
    { name: 'note', type: 'string', versions: '2+', tag: 0, taggedVersions: '2+' },
    { name: 'epoch', type: 'int64', versions: '2+', tag: 4, taggedVersions: '2+', default: -1 },
  ],
});

function encoded(message: Message, version: number, value: StructValue): string {
  const w = new Writer();
  encode(message, version, value, w);
  return w.finish().toString('hex');
}

function decoded(message: Message, version: number, bytes: string): StructValue {
  const r = new Reader(hex(bytes));
  const value = decode(message, version, r);
  r.expectEnd('test message');
  return value;
}

test('version ranges parse as Kafka writes them', (t) => {
  t.deepEqual(parseVersions('3+'), { min: 3, max: 0x7fff });
  t.deepEqual(parseVersions('0-2'), { min: 0, max: 2 });
  t.deepEqual(parseVersions('5'), { min: 5, max: 5 });
  t.false(inVersions(parseVersions('none'), 0));
  for (const bad of ['', '2-1', '+', '1+2', 'x']) {
    const err = t.throws(() => parseVersions(bad));
    t.true(isEddyError(err, 'ERR_INTERNAL_DEFECT'), bad);
  }
});

test('v0: fixed-width forms; fields of later versions absent on the wire and decoded as defaults', (t) => {
  const value = { id: 7, legacy: 'L', items: [{ key: 1 }] };
  // id int32 | legacy STRING 'L' | items ARRAY count 1 | key int16
  const bytes = '00000007' + '00014c' + '00000001' + '0001';
  t.is(encoded(Sample, 0, value), bytes);
  t.deepEqual(decoded(Sample, 0, bytes), { id: 7, label: 'none', legacy: 'L', items: [{ key: 1, weight: -1 }], note: '', epoch: -1 });
});

test('v2 (flexible): compact forms, a field kept non-compact by its override, a tag section per struct', (t) => {
  const value = { id: 1, label: 'ab', legacy: 'L', items: [{ key: 2, weight: 3 }] };
  const bytes =
    '00000001' + // id
    '03' + '6162' + // label COMPACT_STRING (length + 1)
    '0001' + '4c' + // legacy keeps STRING (flexibleVersions: 'none')
    '02' + // items COMPACT_ARRAY, 1 element
    '0002' + '0000000000000003' + '00' + // key, weight, the element's empty tag section
    '00'; // top-level tag section: note and epoch are at their defaults, so not written
  t.is(encoded(Sample, 2, value), bytes);
  t.deepEqual(decoded(Sample, 2, bytes), { ...value, note: '', epoch: -1 });
});

test('tagged fields are written when not default, in tag order, and read back', (t) => {
  const value = { id: 1, label: '', legacy: '', items: [], note: 'hi', epoch: 9 };
  const bytes =
    '00000001' + '01' + '0000' + '01' + // id, label '', legacy '', items []
    '02' + // two tagged fields
    '00' + '03' + '036869' + // tag 0, 3 bytes: COMPACT_STRING 'hi'
    '04' + '08' + '0000000000000009'; // tag 4, 8 bytes: int64 9
  t.is(encoded(Sample, 2, value), bytes);
  t.deepEqual(decoded(Sample, 2, bytes), value);
});

test('unknown tags are skipped; a known tag with trailing bytes is refused', (t) => {
  const prefix = '00000001' + '01' + '0000' + '01';
  const withUnknown = prefix + '02' + '01' + '02' + 'abcd' + '04' + '08' + '0000000000000009';
  t.like(decoded(Sample, 2, withUnknown), { epoch: 9, note: '' });
  const err = t.throws(() => decoded(Sample, 2, prefix + '01' + '04' + '09' + '000000000000000900'));
  t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'));
  t.regex(err!.message, /unread/);
});

test('nullability follows nullableVersions', (t) => {
  const value = { id: 1, label: null, legacy: '', items: null };
  const bytes = '00000001' + '00' + '0000' + '00' + '00';
  t.is(encoded(Sample, 3, value), bytes);
  t.deepEqual(decoded(Sample, 3, bytes), { ...value, note: '', epoch: -1 });
  // label is not nullable in v2, items not in v0.
  for (const [version, bad] of [
    [2, { label: null }],
    [0, { items: null }],
  ] as const) {
    const err = t.throws(() => encoded(Sample, version, { id: 1, ...bad }));
    t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'));
    t.regex(err!.message, /Sample\.(label|items) cannot be null/);
  }
  const err = t.throws(() => decoded(Sample, 2, '00000001' + '00'));
  t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'));
});

test('encode: undefined fields take defaults; bad values are coded errors naming the field', (t) => {
  t.is(encoded(Sample, 0, { id: 5 }), '00000005' + '0000' + '00000000');
  const cases: [StructValue, RegExp][] = [
    [{ id: 2 ** 31 }, /Sample\.id: int32 must be/],
    [{ id: 'x' }, /Sample\.id: int32 must be/],
    [{ items: [{ key: 1e6 }] }, /Sample\.items\.key: int16 must be/],
    [{ items: 'nope' }, /Sample\.items must be an array/],
    [{ items: [null] }, /Sample\.items cannot hold null elements/],
    [{ items: [7] }, /Sample\.items must be an object/],
  ];
  for (const [value, message] of cases) {
    const err = t.throws(() => encoded(Sample, 2, value));
    t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'), String(err));
    t.regex(err!.message, message);
  }
});

test('a version outside validVersions is refused both ways', (t) => {
  for (const run of [() => encoded(Sample, 4, {}), () => decoded(Sample, 4, ''), () => decoded(Sample, -1, '')]) {
    const err = t.throws(run);
    t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'));
    t.regex(err!.message, /Sample has no version/);
  }
});

test('decoded arrays from defaults are fresh, so mutating one leaves the next decode alone', (t) => {
  const first = decoded(Sample, 0, '00000000' + '0000' + '00000000');
  (first['items'] as unknown[]).push(1);
  const second = decoded(Sample, 1, '00000000' + '0000' + '0000' + '00000000');
  t.deepEqual(second['items'], []);
});

test('bad definitions fail at definition time', (t) => {
  const bad = [
    { name: 'id', type: 'int32', versions: '0+', nullableVersions: '0+' },
    { name: 'Id', type: 'int32', versions: '0+' },
    { name: 'xs', type: '[]struct', versions: '0+' },
    { name: 'x', type: 'int32', versions: '0+', fields: [] },
    { name: 'x', type: 'int32', versions: '1+', tag: 0, taggedVersions: '1+' }, // tags only in flexible versions
    { name: 'x', type: 'int32', versions: '0+', taggedVersions: '2+' },
    { name: 'x', type: 'int32', versions: 'soon' },
  ] as const;
  for (const field of bad) {
    const err = t.throws(() => defineMessage({ name: 'Bad', validVersions: '0-3', flexibleVersions: '2+', fields: [field] }));
    t.true(isEddyError(err, 'ERR_INTERNAL_DEFECT'), JSON.stringify(field));
  }
  const dup = t.throws(() =>
    defineMessage({
      name: 'Bad',
      validVersions: '0-3',
      flexibleVersions: '2+',
      fields: [
        { name: 'a', type: 'int8', versions: '2+', tag: 1, taggedVersions: '2+' },
        { name: 'b', type: 'int8', versions: '2+', tag: 1, taggedVersions: '2+' },
      ],
    }),
  );
  t.true(isEddyError(dup, 'ERR_INTERNAL_DEFECT'));
});
