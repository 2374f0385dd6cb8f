/**
 * SASL on the wire, with Eddy's own codec as the client: SaslHandshake's answers (the enabled
 * mechanisms, UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE out of turn or without SASL),
 * SaslAuthenticate v0–2 with PLAIN, SASL_AUTHENTICATION_FAILED and the connection closed after a
 * failure, nothing but ApiVersions and SASL before authentication, and bare SASL tokens after a v0
 * handshake (what kafka-python 2.0 sends).
 */
import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { encodeRequest } from '../../../core/protocol/frame.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import type { ServerOptions } from '../../../core/server/server-options.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';

const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

async function saslBroker(t: ExecutionContext, sasl: ServerOptions['sasl'] = { users: USERS }): Promise<{ port: number; client: WireClient }> {
  const { port } = await servedEddy(t, { eddy: { serve: false }, server: { sasl } });
  const client = await connectWire({ port });
  t.teardown(() => client.close());
  return { port, client };
}

const plainToken = (user: string, password: string, authzid = ''): Buffer => Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8');

function metadata(client: WireClient): Promise<StructValue> {
  return client.request(API_KEYS.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
}

/** Asserts the server has closed (or closes) the connection: a further request is never answered. */
async function assertClosed(t: ExecutionContext, client: WireClient): Promise<void> {
  await t.throwsAsync(client.request(API_KEYS.ApiVersions, 0, {}), { message: /connection closed/ });
  await client.closed;
}

test('ApiVersions advertises SaslHandshake v0–1 and SaslAuthenticate v0–2, before authentication', async (t) => {
  const { client } = await saslBroker(t);
  const response = await client.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'eddy-test', clientSoftwareVersion: '1' });
  const keys = new Map((response.apiKeys as StructValue[]).map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  t.deepEqual(keys.get(API_KEYS.SaslHandshake), [0, 1]);
  t.deepEqual(keys.get(API_KEYS.SaslAuthenticate), [0, 2]);
});

for (const version of [0, 1, 2]) {
  test(`PLAIN over SaslHandshake v1 and SaslAuthenticate v${version}, then any request`, async (t) => {
    const { client } = await saslBroker(t);
    const handshake = await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' });
    t.deepEqual(handshake, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    const auth = await client.request(API_KEYS.SaslAuthenticate, version, { authBytes: plainToken('alice', 'alice-secret') });
    t.is(auth.errorCode, 0);
    t.is(auth.errorMessage, null);
    t.is((auth.authBytes as Uint8Array).length, 0);
    if (version >= 1) t.is(auth.sessionLifetimeMs, 0);
    const meta = await metadata(client);
    t.is((meta.brokers as StructValue[]).length, 1);
  });
}

test('a v0 SaslHandshake followed by SaslAuthenticate requests works too', async (t) => {
  const { client } = await saslBroker(t);
  t.is((await client.request(API_KEYS.SaslHandshake, 0, { mechanism: 'PLAIN' })).errorCode, 0);
  t.is((await client.request(API_KEYS.SaslAuthenticate, 1, { authBytes: plainToken('bob', 'bob-secret', 'bob') })).errorCode, 0);
  t.is((await metadata(client)).errorCode ?? 0, 0);
});

test('a mechanism the broker does not enable is UNSUPPORTED_SASL_MECHANISM with the enabled list, and the connection is closed', async (t) => {
  for (const mechanism of ['PLAIN', 'GSSAPI', 'scram-sha-512']) {
    const { client } = await saslBroker(t, { users: USERS, mechanisms: ['SCRAM-SHA-512'] });
    const response = await client.request(API_KEYS.SaslHandshake, 1, { mechanism });
    t.deepEqual(response, { errorCode: KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-512'] }, mechanism);
    await assertClosed(t, client);
  }
});

test('a wrong password is SASL_AUTHENTICATION_FAILED with a message, and the connection is closed', async (t) => {
  const { client } = await saslBroker(t);
  await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' });
  const auth = await client.request(API_KEYS.SaslAuthenticate, 2, { authBytes: plainToken('alice', 'bob-secret') });
  t.is(auth.errorCode, KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED);
  t.regex(auth.errorMessage as string, /^Authentication failed: invalid username or password/);
  await assertClosed(t, client);
});

test('an unknown user and a malformed token are SASL_AUTHENTICATION_FAILED too', async (t) => {
  for (const [mechanism, token] of [
    ['PLAIN', plainToken('carol', 'alice-secret')],
    ['PLAIN', Buffer.from('no separators')],
    ['SCRAM-SHA-256', Buffer.from('y,,n=alice,r=abc')],
    ['SCRAM-SHA-512', Buffer.from([0xff, 0x00, 0x2c])],
  ] as const) {
    const { client } = await saslBroker(t);
    t.is((await client.request(API_KEYS.SaslHandshake, 1, { mechanism })).errorCode, 0);
    const auth = await client.request(API_KEYS.SaslAuthenticate, 1, { authBytes: token });
    t.is(auth.errorCode, KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED, `${mechanism} ${token.toString('hex')}`);
    t.truthy(auth.errorMessage);
    await assertClosed(t, client);
  }
});

test('a SCRAM exchange over SaslAuthenticate: the server-first message echoes the client nonce; a bad proof fails', async (t) => {
  const { client } = await saslBroker(t);
  await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  const first = await client.request(API_KEYS.SaslAuthenticate, 2, { authBytes: Buffer.from('n,,n=alice,r=nonce42') });
  t.is(first.errorCode, 0);
  const serverFirst = Buffer.from(first.authBytes as Uint8Array).toString('utf8');
  t.regex(serverFirst, /^r=nonce42\S+,s=\S+,i=4096$/);
  const nonce = /^r=([^,]+)/.exec(serverFirst)![1]!;
  const final = await client.request(API_KEYS.SaslAuthenticate, 2, { authBytes: Buffer.from(`c=biws,r=${nonce},p=${Buffer.alloc(32).toString('base64')}`) });
  t.is(final.errorCode, KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED);
  await assertClosed(t, client);
});

test('before authentication any request but ApiVersions, SaslHandshake and SaslAuthenticate closes the connection', async (t) => {
  const { client } = await saslBroker(t);
  t.is((await client.request(API_KEYS.ApiVersions, 0, {})).errorCode, 0);
  await t.throwsAsync(metadata(client), { message: /connection closed/ });
  await client.closed;

  // Also after the handshake, before SaslAuthenticate.
  const { client: second } = await saslBroker(t);
  await second.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' });
  await t.throwsAsync(metadata(second), { message: /connection closed/ });
  await second.closed;
});

test('SaslAuthenticate before SaslHandshake, and a second SaslHandshake, are ILLEGAL_SASL_STATE and close the connection', async (t) => {
  const { client } = await saslBroker(t);
  const early = await client.request(API_KEYS.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'alice-secret') });
  t.is(early.errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
  t.regex(early.errorMessage as string, /before a successful SaslHandshake/);
  await assertClosed(t, client);

  const { client: second } = await saslBroker(t);
  await second.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' });
  t.is((await second.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
  await assertClosed(t, second);
});

test('after authentication, SaslHandshake and SaslAuthenticate are ILLEGAL_SASL_STATE and the session stays open', async (t) => {
  const { client } = await saslBroker(t);
  await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' });
  t.is((await client.request(API_KEYS.SaslAuthenticate, 0, { authBytes: plainToken('alice', 'alice-secret') })).errorCode, 0);
  t.deepEqual(await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' }), { errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, mechanisms: [] });
  const again = await client.request(API_KEYS.SaslAuthenticate, 0, { authBytes: plainToken('alice', 'alice-secret') });
  t.is(again.errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
  t.regex(again.errorMessage as string, /after successful authentication/);
  t.is((await metadata(client)).controllerId, 1);
});

test('without a sasl option both APIs answer ILLEGAL_SASL_STATE, as a Kafka PLAINTEXT listener does, and nothing is closed', async (t) => {
  const { port } = await servedEddy(t, { eddy: { serve: false } });
  const client = await connectWire({ port });
  t.teardown(() => client.close());
  t.deepEqual(await client.request(API_KEYS.SaslHandshake, 1, { mechanism: 'PLAIN' }), { errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, mechanisms: [] });
  const auth = await client.request(API_KEYS.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'alice-secret') });
  t.is(auth.errorCode, KAFKA_ERRORS.ILLEGAL_SASL_STATE);
  t.is((await metadata(client)).controllerId, 1);
});

// Bare tokens after a v0 handshake (KIP-43): size-prefixed, without request or response headers.

interface RawConnection {
  send(frame: Buffer): void;
  /** Resolves with the next size-prefixed frame's payload, or null if the connection closes first. */
  next(): Promise<Buffer | null>;
  close(): void;
}

async function connectRaw(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  let buffered = Buffer.alloc(0);
  let ended = false;
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiter?.();
  });
  socket.on('close', () => {
    ended = true;
    waiter?.();
  });
  const frame = (): Buffer | null => {
    if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return null;
    const size = buffered.readInt32BE(0);
    const payload = buffered.subarray(4, 4 + size);
    buffered = buffered.subarray(4 + size);
    return payload;
  };
  return {
    send: (bytes) => socket.write(Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (bytes.length >>> (24 - 8 * i)) & 0xff)), bytes])),
    next: () =>
      new Promise((resolve) => {
        const check = (): void => {
          const payload = frame();
          if (payload !== null || ended) {
            waiter = null;
            resolve(payload);
          } else waiter = check;
        };
        check();
      }),
    close: () => socket.destroy(),
  };
}

/** A SaslHandshake v0 request frame, without its size prefix. */
function handshakeV0(mechanism: string): Buffer {
  return encodeRequest({ apiKey: API_KEYS.SaslHandshake, apiVersion: 0, correlationId: 7, clientId: 'raw' }, { mechanism }).subarray(4);
}

test('after a v0 handshake a bare PLAIN token is answered with an empty bare token, then requests are served', async (t) => {
  const { port } = await servedEddy(t, { eddy: { serve: false }, server: { sasl: { users: USERS } } });
  const raw = await connectRaw(port);
  t.teardown(() => raw.close());
  raw.send(handshakeV0('PLAIN'));
  const handshake = await raw.next();
  t.is(handshake?.readInt32BE(0), 7, 'the handshake is answered as a request');
  raw.send(plainToken('alice', 'alice-secret', 'alice'));
  t.deepEqual(await raw.next(), Buffer.alloc(0));
  raw.send(encodeRequest({ apiKey: API_KEYS.Metadata, apiVersion: 1, correlationId: 8, clientId: 'raw' }, { topics: null }).subarray(4));
  t.is((await raw.next())?.readInt32BE(0), 8);
});

test('after a v0 handshake a bare token with a wrong password closes the connection without an answer', async (t) => {
  const { port } = await servedEddy(t, { eddy: { serve: false }, server: { sasl: { users: USERS } } });
  const raw = await connectRaw(port);
  t.teardown(() => raw.close());
  raw.send(handshakeV0('PLAIN'));
  await raw.next();
  raw.send(plainToken('alice', 'wrong', 'alice'));
  t.is(await raw.next(), null);
});
