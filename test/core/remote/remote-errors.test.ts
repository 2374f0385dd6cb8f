/**
 * Failures over the wire become the embedded log's EddyError codes: Kafka error codes mapped by
 * meaning, Eddy's own codes taken from its broker's error messages, and a broker that cannot be
 * reached (refused, lost) a retriable error from the call that needed it.
 */
import net from 'node:net';
import test from 'ava';
import { ProtocolError, MultipleErrors, NetworkError } from '@platformatic/kafka';
import { isEddyError } from '../../../core/errors.js';
import { connectEddy } from '../../../core/remote/index.js';
import { BROKER_UNAVAILABLE, kafkaError, toEddyError } from '../../../core/remote/remote-errors.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

test('Kafka error codes map to the codes the embedded log uses for the same failure', (t) => {
  const cases: Array<[number, string]> = [
    [3, 'ERR_TOPIC_NOT_FOUND'],
    [36, 'ERR_TOPIC_EXISTS'],
    [37, 'ERR_PARTITIONS_INVALID'],
    [17, 'ERR_TOPIC_NAME_INVALID'],
    [90, 'ERR_PRODUCER_FENCED'],
    [47, 'ERR_PRODUCER_EPOCH_INVALID'],
    [48, 'ERR_TRANSACTION_STATE_INVALID'],
    [51, 'ERR_CONCURRENT_TRANSACTIONS'],
    [22, 'ERR_GROUP_ILLEGAL_GENERATION'],
    [25, 'ERR_GROUP_UNKNOWN_MEMBER'],
    [27, 'ERR_GROUP_REBALANCE_IN_PROGRESS'],
    [68, 'ERR_GROUP_NOT_EMPTY'],
    [69, 'ERR_GROUP_NOT_FOUND'],
    [1, 'ERR_OFFSET_OUT_OF_RANGE'],
    [10, 'ERR_RECORD_TOO_LARGE'],
    [40, 'ERR_CONFIG_INVALID'],
  ];
  for (const [code, expected] of cases) {
    const err = kafkaError(code, null, { topic: 't' });
    t.is(err.code as string, expected, `Kafka error ${code}`);
    t.is(err.context.topic, 't');
  }
  t.true(kafkaError(27, null).retriable, 'REBALANCE_IN_PROGRESS may be retried');
});

test('an Eddy code in the broker error message is kept exactly', (t) => {
  const err = kafkaError(40, 'ERR_CONFIG_UNKNOWN: Unknown config "x"', { topic: 't' });
  t.is(err.code, 'ERR_CONFIG_UNKNOWN');
  t.is(err.message, 'Unknown config "x"');
  t.is(err.context.kafkaError, 'INVALID_CONFIG');
  t.is(kafkaError(40, 'ERR_NOT_A_CODE: whatever').code, 'ERR_CONFIG_INVALID', 'an unknown code falls back to the Kafka mapping');
});

test('Kafka errors without an Eddy meaning are coded by whether they can be retried', (t) => {
  const notCoordinator = kafkaError(16, null, { group: 'g' });
  t.is(notCoordinator.code, BROKER_UNAVAILABLE);
  t.true(notCoordinator.retriable);
  t.is(notCoordinator.context.kafkaError, 'NOT_COORDINATOR');
  const denied = kafkaError(29, null);
  t.false(denied.retriable);
  t.is(denied.context.kafkaError, 'TOPIC_AUTHORIZATION_FAILED');
});

test('library errors are unwrapped: protocol errors inside retries, network errors, unknown topics', (t) => {
  const wrapped = new MultipleErrors('produce failed 3 times.', [new ProtocolError('PRODUCER_FENCED'), new ProtocolError('PRODUCER_FENCED')]);
  t.is(toEddyError(wrapped).code, 'ERR_PRODUCER_FENCED');
  const lost = toEddyError(new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection closed')]));
  t.is(lost.code, BROKER_UNAVAILABLE);
  t.true(lost.retriable);
  t.is(toEddyError(new Error('Unknown topic orders.')).code, 'ERR_INTERNAL_DEFECT', 'a plain Error is not taken for a library one');
});

test('a broker that cannot be reached, or goes away, gives retriable errors', async (t) => {
  // A port nothing listens on: bind one, note it, close it.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = await t.throwsAsync(connectEddy({ brokers: [`127.0.0.1:${deadPort}`], connectTimeoutMs: 2_000 }));
  t.true(isEddyError(refused) && refused.retriable, String(refused));

  const { eddy, server, port } = await servedEddy(t);
  const client = await connectEddy({ brokers: [`127.0.0.1:${port}`], retries: 1, retryBackoffMs: 10 });
  t.teardown(() => client.close());
  const topic = uniqueTopic('lost');
  await eddy.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  await producer.send({ topic, messages: [{ value: 'before' }] });
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  t.is((await consumer.poll({ timeoutMs: 5_000 })).length, 1);

  await server.close();
  const sendError = await t.throwsAsync(producer.send({ topic, messages: [{ value: 'after' }] }));
  t.true(isEddyError(sendError) && sendError.retriable, String(sendError));
  const pollError = await t.throwsAsync(consumer.poll({ timeoutMs: 5_000 }));
  t.true(isEddyError(pollError) && pollError.retriable, String(pollError));
  const adminError = await t.throwsAsync(client.admin.listTopics());
  t.true(isEddyError(adminError) && adminError.retriable, String(adminError));
});
