/**
 * Eddy.connect options: defaults, and bad values refused with ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID
 * before any connection is made; consumer options a remote consumer cannot honour are refused too.
 */
import test from 'ava';
import { isEddyError } from '../../../core/errors.js';
import { connectEddy, DEFAULT_REMOTE_EDDY_OPTIONS, resolveRemoteEddyOptions } from '../../../core/remote/index.js';
import { servedEddy } from '../../helpers/kafka-wire.js';

test('defaults fill in what is not given', (t) => {
  const resolved = resolveRemoteEddyOptions({ brokers: ['localhost:9092'] });
  t.like(resolved, { ...DEFAULT_REMOTE_EDDY_OPTIONS, brokers: ['localhost:9092'], sasl: undefined, tls: undefined });
  t.deepEqual(resolveRemoteEddyOptions({ brokers: ['h'], tls: true }).tls, {});
});

test('bad options are refused with coded errors', (t) => {
  const codeOf = (options: unknown): string => {
    try {
      resolveRemoteEddyOptions(options as never);
      return 'accepted';
    } catch (err) {
      return isEddyError(err) ? err.code : String(err);
    }
  };
  t.is(codeOf({ brokers: [] }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['no spaces please:1'] }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: 'localhost:9092' }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['h:1'], retries: -1 }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['h:1'], clientId: '' }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['h:1'], sasl: { mechanism: 'MAGIC' } }), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['h:1'], dataDir: '/tmp' }), 'ERR_CONFIG_UNKNOWN');
  t.is(codeOf(null), 'ERR_CONFIG_INVALID');
  t.is(codeOf({ brokers: ['h:1', '[::1]:9092'], sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } }), 'accepted');
});

test('a remote consumer refuses cooperative assignors (it rebalances eagerly)', async (t) => {
  const { port } = await servedEddy(t);
  const client = await connectEddy({ brokers: [`127.0.0.1:${port}`] });
  t.teardown(() => client.close());
  t.throws(() => client.consumer({ groupId: 'g', partitionAssignors: ['cooperative-sticky'] }), { code: 'ERR_CONFIG_INVALID' } as never);
  t.throws(() => client.producer({ acks: 0, idempotent: true }), { code: 'ERR_CONFIG_INVALID' } as never);
  await client.close();
  t.throws(() => client.producer(), { code: 'ERR_LOG_CLOSED' } as never);
});
