import test from 'ava';
import fc from 'fast-check';
import { LineSplitter } from '../../bin/line-splitter.js';

function split(chunks: ReadonlyArray<string | Buffer>): string[] {
  const splitter = new LineSplitter();
  const out = chunks.flatMap((c) => splitter.push(Buffer.from(c)));
  const last = splitter.end();
  if (last !== null) out.push(last);
  return out.map((b) => b.toString('latin1'));
}

test('LF, CRLF, empty lines and a last line without newline', (t) => {
  t.deepEqual(split(['a\nb\r\n\nc']), ['a', 'b', '', 'c']);
  t.deepEqual(split(['a\n']), ['a']);
  t.deepEqual(split(['']), []);
  t.deepEqual(split(['\n']), ['']);
  t.deepEqual(split(['a\rb\n']), ['a\rb'], 'a CR inside a line is data');
});

test('lines and CRLF split across chunks', (t) => {
  t.deepEqual(split(['ab', 'c\r', '\nd', 'e', '\n']), ['abc', 'de']);
  t.deepEqual(split(['x\r', '']), ['x']);
});

test('bytes that are not UTF-8 pass through', (t) => {
  const splitter = new LineSplitter();
  const [line] = splitter.push(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
  t.deepEqual(line, Buffer.from([0xff, 0xfe, 0x00]));
});

test('any chunking gives the same lines as splitting the whole input', (t) => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', 'b', '\r', '\n', '\r\n')), fc.array(fc.nat(20)), (parts, cuts) => {
      const text = parts.join('');
      const chunks: string[] = [];
      let at = 0;
      for (const cut of cuts) {
        chunks.push(text.slice(at, at + cut));
        at += cut;
      }
      chunks.push(text.slice(at));
      const expected = text.split('\n').map((l) => l.replace(/\r$/, ''));
      if (text.endsWith('\n') || text === '') expected.pop();
      t.deepEqual(split(chunks), expected);
    }),
  );
});
