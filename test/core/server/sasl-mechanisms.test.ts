/**
 * The server-side SASL mechanisms on their own: PLAIN's message format and checks, SCRAM against
 * RFC 7677's worked example (fixed salt and server nonce), a full SCRAM-SHA-512 exchange with a
 * client written here, every way a SCRAM exchange fails, the credential store (constant-time
 * password check, one random salt per user and mechanism, derived once), and random tokens, which
 * must fail cleanly and never throw.
 */
import crypto from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { PlainExchange } from '../../../core/server/sasl/plain-exchange.js';
import { SaslCredentials } from '../../../core/server/sasl/sasl-credentials.js';
import type { SaslStep } from '../../../core/server/sasl/sasl-exchange.js';
import { deriveScramCredential, SCRAM_HASHES, type ScramCredential, type ScramMechanism } from '../../../core/server/sasl/scram-credential.js';
import { ScramExchange, type ScramCredentialSource } from '../../../core/server/sasl/scram-exchange.js';
import { decodeSaslName, encodeSaslName, parseClientFirst } from '../../../core/server/sasl/scram-messages.js';
import { startSaslExchange } from '../../../core/server/sasl/index.js';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

function plain(users: Record<string, string>): PlainExchange {
  return new PlainExchange(new SaslCredentials(new Map(Object.entries(users))));
}

function failure(t: import('ava').ExecutionContext, step: SaslStep): string {
  if (step.outcome !== 'failed') {
    t.fail(`expected a failed step, got ${step.outcome}`);
    return '';
  }
  t.true(step.message.startsWith('Authentication failed'), step.message);
  return step.message;
}

// PLAIN (RFC 4616)

test('PLAIN accepts authzid NUL user NUL password with an empty or matching authzid and answers an empty token', async (t) => {
  for (const message of ['\0alice\0secret', 'alice\0alice\0secret']) {
    const step = await plain({ alice: 'secret' }).evaluate(utf8(message));
    t.deepEqual(step, { outcome: 'authenticated', token: Buffer.alloc(0), principal: 'alice' });
  }
});

test('PLAIN names and passwords are UTF-8', async (t) => {
  const step = await plain({ 'zoë': 'pässwörd ✓' }).evaluate(utf8('\0zoë\0pässwörd ✓'));
  t.is(step.outcome, 'authenticated');
});

test('PLAIN refuses a wrong password and an unknown user with the same message', async (t) => {
  const wrong = failure(t, await plain({ alice: 'secret' }).evaluate(utf8('\0alice\0Secret')));
  const unknown = failure(t, await plain({ alice: 'secret' }).evaluate(utf8('\0bob\0secret')));
  t.is(wrong, unknown);
  failure(t, await plain({ alice: 'secret' }).evaluate(utf8('\0alice\0secret2')));
  failure(t, await plain({ alice: 'secret' }).evaluate(utf8('\0alice\0secre')));
});

test('PLAIN refuses another user as authzid, empty fields and a wrong number of fields', async (t) => {
  const users = { alice: 'secret', bob: 'hunter2' };
  t.regex(failure(t, await plain(users).evaluate(utf8('bob\0alice\0secret'))), /authorization id/);
  t.regex(failure(t, await plain(users).evaluate(utf8('\0\0secret'))), /username not specified/);
  t.regex(failure(t, await plain(users).evaluate(utf8('\0alice\0'))), /password not specified/);
  for (const message of ['', 'alice', '\0alice', 'alice\0secret', '\0alice\0secret\0', 'a\0alice\0se\0cret']) {
    t.regex(failure(t, await plain(users).evaluate(utf8(message))), /PLAIN message is/, JSON.stringify(message));
  }
});

test('a PLAIN exchange is single-use', async (t) => {
  const exchange = plain({ alice: 'secret' });
  t.is((await exchange.evaluate(utf8('\0alice\0secret'))).outcome, 'authenticated');
  t.true(exchange.finished);
  failure(t, await exchange.evaluate(utf8('\0alice\0secret')));
});

// SCRAM (RFC 5802 / RFC 7677)

/** RFC 7677 §3: user "user", password "pencil". */
const RFC7677 = {
  password: 'pencil',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

/** Credentials with fixed salts, so exchanges are reproducible. */
function fixedSource(users: Record<string, { password: string; salt: Buffer }>): ScramCredentialSource {
  const cache = new Map<string, Promise<ScramCredential>>();
  return {
    scramCredential(mechanism, user) {
      const entry = users[user];
      if (entry === undefined) return null;
      const key = `${mechanism}/${user}`;
      if (!cache.has(key)) cache.set(key, deriveScramCredential(mechanism, entry.password, entry.salt));
      return cache.get(key)!;
    },
    standInScramCredential(mechanism) {
      const { length } = SCRAM_HASHES[mechanism];
      return { salt: Buffer.alloc(16, 7), iterations: 4096, storedKey: crypto.randomBytes(length), serverKey: crypto.randomBytes(length) };
    },
  };
}

function rfcExchange(): ScramExchange {
  return new ScramExchange('SCRAM-SHA-256', fixedSource({ user: { password: RFC7677.password, salt: RFC7677.salt } }), { serverNonce: () => RFC7677.serverNonce });
}

async function challenge(t: import('ava').ExecutionContext, exchange: ScramExchange, message: string): Promise<string> {
  const step = await exchange.evaluate(utf8(message));
  if (step.outcome !== 'challenge') {
    t.fail(`expected a challenge, got ${JSON.stringify(step)}`);
    return '';
  }
  return step.token.toString('utf8');
}

test('SCRAM-SHA-256 reproduces RFC 7677 §3 byte for byte', async (t) => {
  const exchange = rfcExchange();
  t.is(await challenge(t, exchange, RFC7677.clientFirst), RFC7677.serverFirst);
  const step = await exchange.evaluate(utf8(RFC7677.clientFinal));
  t.deepEqual(step, { outcome: 'authenticated', token: utf8(RFC7677.serverFinal), principal: 'user' });
  t.true(exchange.finished);
});

/** A SCRAM client, written from RFC 5802, to drive the server through whole exchanges. */
async function scramClient(
  mechanism: ScramMechanism,
  user: string,
  password: string,
  serverFirst: string,
  clientFirstBare: string,
  { gs2Header = 'n,,', nonce }: { gs2Header?: string; nonce?: string } = {},
): Promise<{ final: string; serverSignature: string }> {
  const { digest, length } = SCRAM_HASHES[mechanism];
  const attrs = new Map(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)] as [string, string]));
  const salted = crypto.pbkdf2Sync(utf8(password), Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), length, digest);
  const hmac = (key: Buffer, data: string): Buffer => crypto.createHmac(digest, key).update(data).digest();
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = crypto.createHash(digest).update(clientKey).digest();
  const withoutProof = `c=${utf8(gs2Header).toString('base64')},r=${nonce ?? attrs.get('r')}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return { final: `${withoutProof},p=${proof.toString('base64')}`, serverSignature: `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}` };
}

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`${mechanism}: a whole exchange through the broker's credential store, with a random server nonce`, async (t) => {
    const credentials = new SaslCredentials(new Map([['alice', 's3cret']]));
    const exchange = startSaslExchange(mechanism, credentials) as ScramExchange;
    const bare = 'n=alice,r=clientnonce123';
    const serverFirst = await challenge(t, exchange, `n,,${bare}`);
    t.regex(serverFirst, /^r=clientnonce123[\x21-\x2b\x2d-\x7e]{16,},s=[A-Za-z0-9+/]+=*,i=4096$/);
    const { final, serverSignature } = await scramClient(mechanism, 'alice', 's3cret', serverFirst, bare);
    const step = await exchange.evaluate(utf8(final));
    t.deepEqual(step, { outcome: 'authenticated', token: utf8(serverSignature), principal: 'alice' });
  });

  test(`${mechanism}: a wrong password and an unknown user fail alike, at the proof`, async (t) => {
    const credentials = new SaslCredentials(new Map([['alice', 's3cret']]));
    const messages: string[] = [];
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 's3cret']] as const) {
      const exchange = startSaslExchange(mechanism, credentials);
      const bare = `n=${user},r=abc`;
      const serverFirst = await challenge(t, exchange as ScramExchange, `n,,${bare}`);
      const { final } = await scramClient(mechanism, user, password, serverFirst, bare);
      messages.push(failure(t, await exchange.evaluate(utf8(final))));
      t.true(exchange.finished);
    }
    t.is(messages[0], messages[1]);
  });
}

test('SCRAM names with "," and "=" travel as =2C and =3D', async (t) => {
  t.is(encodeSaslName('a,b=c'), 'a=2Cb=3Dc');
  t.is(decodeSaslName('a=2Cb=3Dc'), 'a,b=c');
  t.throws(() => decodeSaslName('a=2Db'));
  const credentials = new SaslCredentials(new Map([['a,b=c', 'pw']]));
  const exchange = startSaslExchange('SCRAM-SHA-256', credentials);
  const bare = 'n=a=2Cb=3Dc,r=xyz';
  const serverFirst = await challenge(t, exchange as ScramExchange, `n,,${bare}`);
  const { final } = await scramClient('SCRAM-SHA-256', 'a,b=c', 'pw', serverFirst, bare);
  const step = await exchange.evaluate(utf8(final));
  t.is(step.outcome === 'authenticated' ? step.principal : step.outcome, 'a,b=c');
});

test('SCRAM accepts an authzid equal to the user (echoed in the channel binding) and refuses another', async (t) => {
  const source = fixedSource({ user: { password: 'pencil', salt: RFC7677.salt }, other: { password: 'x', salt: RFC7677.salt } });
  const exchange = new ScramExchange('SCRAM-SHA-256', source);
  const serverFirst = await challenge(t, exchange, 'n,a=user,n=user,r=abc');
  const { final } = await scramClient('SCRAM-SHA-256', 'user', 'pencil', serverFirst, 'n=user,r=abc', { gs2Header: 'n,a=user,' });
  t.is((await exchange.evaluate(utf8(final))).outcome, 'authenticated');
  t.regex(failure(t, await new ScramExchange('SCRAM-SHA-256', source).evaluate(utf8('n,a=other,n=user,r=abc'))), /authorization id/);
});

test('SCRAM refuses channel binding, mandatory extensions, delegation tokens and malformed client-first messages', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['y,,n=user,r=abc', /channel binding/],
    ['p=tls-unique,,n=user,r=abc', /channel binding/],
    ['n,,m=ext,n=user,r=abc', /mandatory extensions/],
    ['n,,n=user,r=abc,tokenauth=true', /delegation tokens/],
    ['', /malformed/],
    ['n,,', /malformed/],
    ['n,n=user,r=abc', /malformed/],
    ['x,,n=user,r=abc', /malformed/],
    ['n,b=user,n=user,r=abc', /malformed/],
    ['n,,r=abc,n=user', /malformed/],
    ['n,,n=,r=abc', /malformed/],
    ['n,,n=user', /malformed/],
    ['n,,n=user,r=', /malformed/],
    ['n,,n=us=er,r=abc', /malformed/],
    ['n,,n=user,r=ab c', /malformed/],
    ['n,,n=user,r=abc,,', /malformed/],
  ];
  for (const [message, expected] of cases) {
    const exchange = rfcExchange();
    t.regex(failure(t, await exchange.evaluate(utf8(message))), expected, message);
    t.true(exchange.finished);
  }
  // Other extensions are ignored.
  t.is(parseClientFirst('n,,n=user,r=abc,foo=bar').username, 'user');
});

test('SCRAM refuses a client-final message with another nonce, another channel binding, a bad proof or no proof', async (t) => {
  const good = RFC7677.clientFinal;
  const cases: Array<[string, RegExp]> = [
    [good.replace('r=rOpr', 'r=XrOpr'), /nonce/],
    [good.replace('$k0,', '$k0X,'), /nonce/],
    [good.replace('c=biws', 'c=eSws'), /channel binding/],
    [good.replace('p=dHzb', 'p=dHza'), /invalid username or password/],
    [good.replace(/,p=.*$/, ''), /no proof/],
    [good.replace(/,p=.*$/, ',p='), /not base64/],
    [good.replace(/,p=.*$/, ',p=@@@@'), /not base64/],
    [good.replace(/,p=.*$/, ',p=AAAA'), /invalid username or password/],
    [good.replace('c=biws,', ''), /channel binding/],
    ['garbage', /no proof/],
  ];
  for (const [message, expected] of cases) {
    const exchange = rfcExchange();
    await challenge(t, exchange, RFC7677.clientFirst);
    t.regex(failure(t, await exchange.evaluate(utf8(message))), expected, message);
    t.true(exchange.finished);
  }
});

test('SCRAM accepts the client nonce sent twice, as librdkafka before 2.6.1 does, and no other prefix', async (t) => {
  const combined = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const sign = async (nonce: string): Promise<string> => (await scramClient('SCRAM-SHA-256', 'user', 'pencil', RFC7677.serverFirst, 'n=user,r=rOprNGfwEbeRWgbNEkqO', { nonce })).final;
  t.is(await sign(combined), RFC7677.clientFinal, 'the test client reproduces the RFC');
  const doubled = rfcExchange();
  await challenge(t, doubled, RFC7677.clientFirst);
  t.is((await doubled.evaluate(utf8(await sign(`rOprNGfwEbeRWgbNEkqO${combined}`)))).outcome, 'authenticated');
  for (const prefix of ['x', 'rOprNGfwEbeRWgbNEkq', `rOprNGfwEbeRWgbNEkqOrOprNGfwEbeRWgbNEkqO`]) {
    const other = rfcExchange();
    await challenge(t, other, RFC7677.clientFirst);
    t.regex(failure(t, await other.evaluate(utf8(await sign(prefix + combined)))), /nonce/, prefix);
  }
});

test('a SCRAM exchange fails on a token after it finished and on a token sent before the last was answered', async (t) => {
  const done = rfcExchange();
  await challenge(t, done, RFC7677.clientFirst);
  t.is((await done.evaluate(utf8(RFC7677.clientFinal))).outcome, 'authenticated');
  failure(t, await done.evaluate(utf8(RFC7677.clientFinal)));

  const racing = rfcExchange();
  const first = racing.evaluate(utf8(RFC7677.clientFirst));
  failure(t, await racing.evaluate(utf8(RFC7677.clientFinal)));
  t.true(racing.finished);
  await first;
});

test('random tokens fail cleanly in every mechanism and state', async (t) => {
  const credentials = new SaslCredentials(new Map([['user', 'pencil']]), 1);
  await t.notThrowsAsync(fc.assert(
    fc.asyncProperty(fc.constantFrom('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512') as fc.Arbitrary<'PLAIN' | ScramMechanism>, fc.boolean(), fc.uint8Array({ maxLength: 200 }), async (mechanism, afterFirst, token) => {
      const exchange = startSaslExchange(mechanism, credentials);
      if (afterFirst && mechanism !== 'PLAIN') await exchange.evaluate(utf8('n,,n=user,r=abc'));
      const step = await exchange.evaluate(token);
      return step.outcome === 'failed' || (step.outcome === 'challenge' && !afterFirst);
    }),
    { numRuns: 300 },
  ));
});

// The credential store

test('checkPassword is true only for the user\'s own password', (t) => {
  const credentials = new SaslCredentials(new Map([['alice', 'secret'], ['bob', 'hunter2']]));
  t.true(credentials.checkPassword('alice', 'secret'));
  t.true(credentials.checkPassword('bob', 'hunter2'));
  t.false(credentials.checkPassword('alice', 'hunter2'));
  t.false(credentials.checkPassword('carol', 'secret'));
  t.false(credentials.checkPassword('alice', ''));
  t.false(credentials.checkPassword('alice', 'secret'.repeat(1000)));
});

test('SCRAM credentials are derived once per user and mechanism, each with its own random salt', async (t) => {
  const credentials = new SaslCredentials(new Map([['alice', 'same'], ['bob', 'same']]));
  const alice256 = credentials.scramCredential('SCRAM-SHA-256', 'alice');
  t.is(credentials.scramCredential('SCRAM-SHA-256', 'alice'), alice256, 'the same promise: derived once');
  const [a256, a512, b256] = await Promise.all([alice256!, credentials.scramCredential('SCRAM-SHA-512', 'alice')!, credentials.scramCredential('SCRAM-SHA-256', 'bob')!]);
  t.is(a256.iterations, 4096);
  t.is(a256.salt.length, 16);
  t.notDeepEqual(a256.salt, b256.salt);
  t.notDeepEqual(a256.storedKey, b256.storedKey, 'same password, different salt, different keys');
  t.is(a512.storedKey.length, 64);
  t.is(credentials.scramCredential('SCRAM-SHA-256', 'carol'), null);
  const standIn = credentials.standInScramCredential('SCRAM-SHA-256', 'carol');
  t.deepEqual(credentials.standInScramCredential('SCRAM-SHA-256', 'carol').salt, standIn.salt, 'an unknown user sees a stable salt');
  t.notDeepEqual(credentials.standInScramCredential('SCRAM-SHA-256', 'dave').salt, standIn.salt);
});
