/**
 * What a request handler is given and returns. One handler per API key (handlers/index.ts); it
 * receives the decoded request body and returns the response body, or null when no response is
 * sent (a Produce with acks 0). A handler answers per-item failures inside the response (Kafka's
 * error codes, see kafka-errors.ts); if it throws, the connection is closed, as Kafka does for a
 * request it cannot answer.
 */
import type { Clock } from '../clock.js';
import type { StructValue } from '../protocol/schema.js';
import type { Admin } from '../admin.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { LogManager } from '../log/log-manager.js';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.js';
import type { ResolvedServerOptions } from './server-options.js';

/** One endpoint a broker advertises. */
export interface BrokerEndpoint {
  host: string;
  port: number;
}

/** The broker's view of the data directory it serves. */
export interface BrokerContext {
  readonly manager: LogManager;
  readonly admin: Admin;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly clock: Clock;
  /** This broker's node id; also the controller id and every coordinator's node id. */
  readonly nodeId: number;
  /** The data directory's cluster id (meta.properties). */
  readonly clusterId: string;
  readonly options: ResolvedServerOptions;
  /** The endpoint the metadata advertises: the TCP listener's address, or a placeholder when there is none. */
  advertised(): BrokerEndpoint;
  /** Reports an unexpected failure (a defect or a storage error) without stopping the broker. */
  onError(err: unknown): void;
}

/** Per-connection state that handlers may read and change (SASL sets the principal). */
export interface ConnectionSession {
  readonly id: number;
  readonly remoteAddress: string;
  readonly listener: 'tcp' | 'unix';
  /** The SASL mechanism chosen by SaslHandshake, or null. */
  saslMechanism: string | null;
  /** Handshake version of SaslHandshake: 0 means raw SASL tokens follow, 1 means SaslAuthenticate requests. */
  saslHandshakeVersion: number;
  /** Mechanism-specific state between SaslAuthenticate rounds. */
  saslState: unknown;
  /** The authenticated user, or null while none. */
  principal: string | null;
  /** True once the connection may send any request (always true without SASL). */
  authenticated: boolean;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly body: StructValue;
  readonly broker: BrokerContext;
  readonly session: ConnectionSession;
  /** Aborts when the connection closes or the broker stops (long polls end early). */
  readonly signal: AbortSignal;
  /** A buffer for bytes the response will carry (fetched batches), reused once the response is written. */
  allocate(size: number): Buffer;
}

export type Handler = (ctx: RequestContext) => StructValue | null | Promise<StructValue | null>;
