/**
 * `eddy serve`: owns the data directory and serves it over Kafka's wire protocol until SIGINT or
 * SIGTERM, then closes cleanly. Kafka clients (kcat, KafkaJS, kafka-python, librdkafka, Java) use
 * `--listen`'s address as their bootstrap server; other `eddy` commands on the same data directory
 * connect to it through the address recorded in the directory.
 *
 * SASL users come from a JSON file `{ "user": "password", … }` (`--sasl-users`); TLS from PEM files.
 * `--config NAME=VALUE` sets the data directory's broker configs (Eddy.open's `config`), as
 * `kafka-server-start.sh --override` does.
 */
import fs from 'node:fs';
import { EddyError } from '../../core/errors.js';
import { Eddy } from '../../core/index.js';
import type { ServerOptions } from '../../core/server/server-options.js';
import { usageError } from '../args.js';
import { DATA_DIR_OPTION, note, resolveDataDir, type Command } from '../command.js';

function readFile(what: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new EddyError('ERR_CLI_INPUT', `Cannot read ${what} ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
}

function saslUsers(file: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFile('--sasl-users', file).toString('utf8'));
  } catch (err) {
    if (err instanceof EddyError) throw err;
    throw new EddyError('ERR_CLI_INPUT', `--sasl-users ${file} is not JSON: ${(err as Error).message}`, { path: file });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || Object.values(doc).some((v) => typeof v !== 'string')) {
    throw new EddyError('ERR_CLI_INPUT', `--sasl-users ${file} must hold an object of user name to password`, { path: file });
  }
  return doc as Record<string, string>;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the data directory over the Kafka protocol (for Kafka clients and other eddy processes)',
  positionals: [],
  options: {
    listen: { type: 'string', valueName: 'HOST:PORT', description: 'TCP address to listen on (default: 127.0.0.1:9092; port 0 picks one)' },
    'advertised-listener': { type: 'string', valueName: 'HOST:PORT', description: 'Address the metadata gives clients (default: the listen address)' },
    'no-unix-socket': { type: 'boolean', description: 'Do not listen on <data-dir>/eddy.sock' },
    'sasl-users': { type: 'string', valueName: 'FILE', description: 'Require SASL (PLAIN, SCRAM-SHA-256/512) with the users of this JSON file {"user": "password"}' },
    'tls-key': { type: 'string', valueName: 'FILE', description: 'TLS private key (PEM); needs --tls-cert' },
    'tls-cert': { type: 'string', valueName: 'FILE', description: 'TLS certificate (PEM); needs --tls-key' },
    'tls-ca': { type: 'string', valueName: 'FILE', description: 'CA (PEM) to verify client certificates with' },
    config: { type: 'string', valueName: 'NAME=VALUE', multiple: true, description: 'Broker config by Kafka\'s name, e.g. num.partitions=3 or group.initial.rebalance.delay.ms=3000' },
    ...DATA_DIR_OPTION,
  },
  notes: 'Stops cleanly on SIGINT/SIGTERM. Listening on an address other than loopback exposes the data to that network: use --sasl-users and TLS.',
  async run(args, ctx) {
    const serve: ServerOptions = { listen: args.string('listen') ?? '127.0.0.1:9092' };
    const advertised = args.string('advertised-listener');
    if (advertised !== undefined) serve.advertisedListener = advertised;
    if (args.flag('no-unix-socket')) serve.unixSocket = false;
    const users = args.string('sasl-users');
    if (users !== undefined) serve.sasl = { users: saslUsers(users) };
    const key = args.string('tls-key');
    const cert = args.string('tls-cert');
    if ((key === undefined) !== (cert === undefined)) throw usageError('--tls-key and --tls-cert go together');
    if (key !== undefined && cert !== undefined) {
      const ca = args.string('tls-ca');
      serve.tls = { key: readFile('--tls-key', key), cert: readFile('--tls-cert', cert), ...(ca === undefined ? {} : { ca: readFile('--tls-ca', ca) }) };
    }
    const dataDir = resolveDataDir(args, ctx);
    const eddy = await Eddy.open({ dataDir, serve, config: args.keyValues('config') });
    try {
      const where = [eddy.servedAddresses.tcp === null ? null : `${eddy.servedAddresses.tcp.host}:${eddy.servedAddresses.tcp.port}`, eddy.servedAddresses.unix].filter((a) => a !== null);
      note(ctx, `Serving ${dataDir} on ${where.join(' and ')} (Ctrl-C to stop)`);
      if (!ctx.signal.aborted) await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      await eddy.close();
    }
    note(ctx, 'Stopped');
  },
};
