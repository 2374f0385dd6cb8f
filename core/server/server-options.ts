/**
 * Options of the Kafka protocol server, resolved and checked once (ERR_CONFIG_INVALID on a bad value).
 */
import { EddyError } from '../errors.js';

export interface ServerOptions {
  /**
   * `host:port` to accept TCP connections on, or false for none. Default `127.0.0.1:9092`; port 0
   * picks a free port. Only loopback unless the user names another address.
   */
  listen?: string | false;
  /** Path of the Unix socket, or false for none. Default `<data-dir>/eddy.sock` (when the path fits the system's limit). */
  unixSocket?: string | false;
  /** Host and port the metadata advertises; defaults to the TCP listener's address. */
  advertisedListener?: string;
  /** Node id of this broker (Kafka's node.id). Default 1. */
  nodeId?: number;
  /** Largest request accepted (socket.request.max.bytes). Default 100 MiB. */
  socketRequestMaxBytes?: number;
  /** A connection that sends nothing for this long is closed (connections.max.idle.ms). Default 10 minutes. */
  connectionsMaxIdleMs?: number;
  /** Requests of one connection being processed at once before the server stops reading from it. Default 64. */
  maxInFlightPerConnection?: number;
  /** SASL users: when given, every connection must authenticate (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  sasl?: SaslOptions;
  /** TLS for the TCP listener: PEM key and certificate (and an optional CA for client certificates). */
  tls?: TlsOptions;
}

export interface SaslOptions {
  /** Mechanisms offered; default all three. */
  mechanisms?: Array<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>;
  /** user → password. */
  users: Record<string, string>;
}

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
}

export interface ResolvedServerOptions {
  listen: { host: string; port: number } | null;
  unixSocket: string | null;
  advertisedListener: { host: string; port: number } | null;
  nodeId: number;
  socketRequestMaxBytes: number;
  connectionsMaxIdleMs: number;
  maxInFlightPerConnection: number;
  sasl: { mechanisms: string[]; users: Map<string, string> } | null;
  tls: TlsOptions | null;
}

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating zero). */
export const MAX_UNIX_SOCKET_PATH = 107;

function invalid(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `${config}: ${why}`, { config, value });
}

/** Parses `host:port` (IPv6 hosts in brackets). */
export function parseHostPort(text: unknown, config: string): { host: string; port: number } {
  if (typeof text !== 'string') throw invalid(config, text, 'expected "host:port"');
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) throw invalid(config, text, 'expected "host:port" with a port in 0–65535');
  return { host: (match[1] ?? match[2])!, port };
}

function intOption(value: unknown, config: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(config, value, `expected an integer in [${min}, ${max}]`);
  return value;
}

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

function resolveSasl(sasl: SaslOptions | undefined): ResolvedServerOptions['sasl'] {
  if (sasl === undefined) return null;
  if (sasl === null || typeof sasl !== 'object' || typeof sasl.users !== 'object' || sasl.users === null) throw invalid('sasl', sasl, 'expected { users: { name: password } }');
  const mechanisms = sasl.mechanisms ?? SASL_MECHANISMS;
  if (!Array.isArray(mechanisms) || mechanisms.length === 0 || mechanisms.some((m) => !SASL_MECHANISMS.includes(m))) {
    throw invalid('sasl.mechanisms', mechanisms, `expected a non-empty list of ${SASL_MECHANISMS.join(', ')}`);
  }
  const users = new Map<string, string>();
  for (const [user, password] of Object.entries(sasl.users)) {
    if (user.length === 0 || typeof password !== 'string' || password.length === 0) throw invalid('sasl.users', user, 'every user needs a non-empty name and password');
    users.set(user, password);
  }
  if (users.size === 0) throw invalid('sasl.users', sasl.users, 'at least one user is needed');
  return { mechanisms: [...mechanisms], users };
}

export function resolveServerOptions(options: ServerOptions | undefined, defaultUnixSocket: string | null): ResolvedServerOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw invalid('server', o, 'expected an options object');
  const listen = o.listen === false ? null : parseHostPort(o.listen ?? '127.0.0.1:9092', 'listen');
  let unixSocket: string | null;
  if (o.unixSocket === false) unixSocket = null;
  else if (o.unixSocket === undefined) unixSocket = defaultUnixSocket !== null && Buffer.byteLength(defaultUnixSocket) <= MAX_UNIX_SOCKET_PATH ? defaultUnixSocket : null;
  else if (typeof o.unixSocket !== 'string' || Buffer.byteLength(o.unixSocket) > MAX_UNIX_SOCKET_PATH) throw invalid('unixSocket', o.unixSocket, `expected a path of at most ${MAX_UNIX_SOCKET_PATH} bytes`);
  else unixSocket = o.unixSocket;
  const tls = o.tls ?? null;
  if (tls !== null && (typeof tls !== 'object' || tls.key === undefined || tls.cert === undefined)) throw invalid('tls', tls, 'expected { key, cert }');
  return {
    listen,
    unixSocket,
    advertisedListener: o.advertisedListener === undefined ? null : parseHostPort(o.advertisedListener, 'advertisedListener'),
    nodeId: intOption(o.nodeId, 'nodeId', 0, 0x7fffffff, 1),
    socketRequestMaxBytes: intOption(o.socketRequestMaxBytes, 'socketRequestMaxBytes', 8, 0x7fffffff, 104_857_600),
    connectionsMaxIdleMs: intOption(o.connectionsMaxIdleMs, 'connectionsMaxIdleMs', 1, 0x7fffffff, 600_000),
    maxInFlightPerConnection: intOption(o.maxInFlightPerConnection, 'maxInFlightPerConnection', 1, 10_000, 64),
    sasl: resolveSasl(o.sasl),
    tls,
  };
}
