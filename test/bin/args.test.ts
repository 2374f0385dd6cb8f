import test from 'ava';
import { isEddyError } from '../../core/errors.js';
import { formatOptionsHelp, parseArgs, parseInteger, parseKeyValue, wantsHelp, type OptionSpecs } from '../../bin/args.js';

const OPTIONS: OptionSpecs = {
  partitions: { type: 'string', valueName: 'N', description: 'count' },
  config: { type: 'string', valueName: 'K=V', multiple: true, description: 'config' },
  format: { type: 'string', valueName: 'F', choices: ['text', 'json'], description: 'format' },
  'from-beginning': { type: 'boolean', description: 'flag' },
  'key-separator': { type: 'string', valueName: 'SEP', description: 'sep' },
};
const NAME = [{ name: 'NAME', required: true }];

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isEddyError(err, 'ERR_CLI_USAGE')) return err.message;
    throw err;
  }
  throw new Error('expected ERR_CLI_USAGE');
}

test('values in both spellings, repeated options, booleans and positionals', (t) => {
  const args = parseArgs(['orders', '--partitions', '3', '--config=a=1', '--config', 'b=x=y', '--from-beginning'], OPTIONS, NAME);
  t.deepEqual(args.positionals, ['orders']);
  t.is(args.int('partitions', { min: 1 }), 3);
  t.deepEqual(args.keyValues('config'), { a: '1', b: 'x=y' });
  t.true(args.flag('from-beginning'));
  t.false(args.has('format'));
  t.is(args.string('format'), undefined);
  t.deepEqual(args.strings('config'), ['a=1', 'b=x=y']);
});

test('a value option takes the next word even when it starts with a dash', (t) => {
  const args = parseArgs(['t', '--key-separator', '-', '--partitions', '-1'], OPTIONS, NAME);
  t.is(args.string('key-separator'), '-');
  t.regex(usageMessage(() => args.int('partitions', { min: 1 })), /--partitions must be an integer >= 1, got "-1"/);
});

test('-- ends the options', (t) => {
  t.deepEqual(parseArgs(['--', '--partitions'], OPTIONS, NAME).positionals, ['--partitions']);
});

test('usage errors are coded one-liners', (t) => {
  t.is(usageMessage(() => parseArgs(['t', '--nope'], OPTIONS, NAME)), 'Unknown option --nope');
  t.is(usageMessage(() => parseArgs(['t', '-x'], OPTIONS, NAME)), 'Unknown option -x');
  t.is(usageMessage(() => parseArgs(['t', '--partitions'], OPTIONS, NAME)), 'Option --partitions needs a value (--partitions N)');
  t.is(usageMessage(() => parseArgs(['t', '--from-beginning=yes'], OPTIONS, NAME)), 'Option --from-beginning takes no value');
  t.is(usageMessage(() => parseArgs(['t', '--format', 'xml'], OPTIONS, NAME)), 'Option --format must be one of text, json, got "xml"');
  t.is(usageMessage(() => parseArgs(['t', '--partitions', '1', '--partitions', '2'], OPTIONS, NAME)), 'Option --partitions given more than once');
  t.is(usageMessage(() => parseArgs([], OPTIONS, NAME)), 'Missing NAME');
  t.is(usageMessage(() => parseArgs(['a', 'b'], OPTIONS, NAME)), 'Unexpected argument "b"');
  t.is(usageMessage(() => parseArgs(['t', '--config', 'a=1', '--config', 'a=2'], OPTIONS, NAME).keyValues('config')), 'Option --config sets "a" more than once');
  t.is(usageMessage(() => parseArgs(['t', '--config', 'novalue'], OPTIONS, NAME).keyValues('config')), '--config expects key=value, got "novalue"');
  t.is(usageMessage(() => parseArgs(['t', '--constructor', 'x'], OPTIONS, NAME)), 'Unknown option --constructor');
});

test('parseInteger accepts only plain safe decimal integers in range', (t) => {
  t.is(parseInteger('n', '42'), 42);
  t.is(parseInteger('n', '+7'), 7);
  t.is(parseInteger('n', '-3'), -3);
  for (const bad of ['', '1.5', '1e3', '0x10', ' 1', '9007199254740993', 'abc']) {
    t.throws(() => parseInteger('n', bad), { code: 'ERR_CLI_USAGE' }, bad);
  }
  t.regex(usageMessage(() => parseInteger('--p', '5', { min: 0, max: 3 })), /between 0 and 3/);
});

test('parseKeyValue splits at the first =', (t) => {
  t.deepEqual(parseKeyValue('x', 'k='), ['k', '']);
  t.deepEqual(parseKeyValue('x', 'cleanup.policy=compact,delete'), ['cleanup.policy', 'compact,delete']);
  t.throws(() => parseKeyValue('x', '=v'));
});

test('wantsHelp looks only before --', (t) => {
  t.true(wantsHelp(['a', '-h']));
  t.true(wantsHelp(['--help']));
  t.false(wantsHelp(['--', '--help']));
  t.false(wantsHelp(['--helpful']));
});

test('options help is aligned and lists --help', (t) => {
  const help = formatOptionsHelp({ a: { type: 'boolean', description: 'A' }, bb: { type: 'string', valueName: 'V', multiple: true, description: 'B' } });
  t.is(help, '  --a         A\n  --bb V      B (repeatable)\n  -h, --help  Show this help');
});

test('a value option followed by one of the options means the value was forgotten', (t) => {
  t.is(usageMessage(() => parseArgs(['t', '--partitions', '--format', 'json'], OPTIONS, NAME)), 'Option --partitions needs a value (--partitions N)');
  t.is(usageMessage(() => parseArgs(['t', '--partitions', '--help'], OPTIONS, NAME)), 'Option --partitions needs a value (--partitions N)');
  t.is(parseArgs(['t', '--key-separator', '--x'], OPTIONS, NAME).string('key-separator'), '--x');
});
