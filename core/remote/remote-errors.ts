/**
 * Errors at the boundary between Eddy and a Kafka broker: every failure a remote client reports is an
 * EddyError with the code the embedded log gives for the same failure.
 *
 * - Eddy's own broker answers with `errorMessage` = `ERR_<CODE>: message` (core/server/kafka-errors.ts):
 *   that code is taken as is, so an Eddy-to-Eddy failure keeps its exact code (ERR_CONFIG_UNKNOWN and
 *   ERR_CONFIG_INVALID both travel as Kafka's INVALID_CONFIG, for instance).
 * - Otherwise (a real Kafka cluster, or a response without a message) the Kafka error code is mapped by
 *   meaning: UNKNOWN_TOPIC_OR_PARTITION → ERR_TOPIC_NOT_FOUND, TOPIC_ALREADY_EXISTS → ERR_TOPIC_EXISTS,
 *   PRODUCER_FENCED → ERR_PRODUCER_FENCED, and so on.
 * - A connection that cannot be made or is lost, a request that times out, and Kafka's retriable
 *   "try again elsewhere" codes (NOT_COORDINATOR, LEADER_NOT_AVAILABLE…) become BROKER_UNAVAILABLE,
 *   a retriable code: the outcome of the call is unknown and it may be tried again.
 * - Kafka errors Eddy has no meaning for (authorization, quotas…) become BROKER_REFUSED, with the
 *   Kafka name in `context.kafkaError`.
 * - Refused SASL credentials and TLS certificates that are not trusted are ERR_CONFIG_INVALID with
 *   `context.config` 'sasl' or 'tls': the options are wrong for this cluster, and a retry cannot help.
 */
import {
  GenericError,
  MultipleErrors,
  protocolErrors,
  protocolErrorsCodesById,
} from '@platformatic/kafka';
import { EddyError, ERROR_CODES, isEddyError, type ErrorCode, type ErrorContext } from '../errors.js';

/** The code for "the broker could not be reached or did not answer; try again" (retriable). */
export const BROKER_UNAVAILABLE: ErrorCode = 'ERR_BROKER_UNAVAILABLE';

/** The code for a Kafka error with no Eddy meaning (authorization, quotas…). */
export const BROKER_REFUSED: ErrorCode = 'ERR_BROKER_REFUSED';

/** Kafka error name → Eddy code, for brokers that do not put an Eddy code in the error message. */
const BY_KAFKA_ERROR: Readonly<Record<string, ErrorCode>> = {
  OFFSET_OUT_OF_RANGE: 'ERR_OFFSET_OUT_OF_RANGE',
  CORRUPT_MESSAGE: 'ERR_BATCH_INVALID',
  UNKNOWN_TOPIC_OR_PARTITION: 'ERR_TOPIC_NOT_FOUND',
  UNKNOWN_TOPIC_ID: 'ERR_TOPIC_NOT_FOUND',
  MESSAGE_TOO_LARGE: 'ERR_RECORD_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'ERR_RECORD_TOO_LARGE',
  INVALID_TOPIC_EXCEPTION: 'ERR_TOPIC_NAME_INVALID',
  REQUEST_TIMED_OUT: 'ERR_REQUEST_TIMED_OUT',
  ILLEGAL_GENERATION: 'ERR_GROUP_ILLEGAL_GENERATION',
  INCONSISTENT_GROUP_PROTOCOL: 'ERR_GROUP_INCONSISTENT_PROTOCOL',
  INVALID_GROUP_ID: 'ERR_GROUP_ID_INVALID',
  UNKNOWN_MEMBER_ID: 'ERR_GROUP_UNKNOWN_MEMBER',
  INVALID_SESSION_TIMEOUT: 'ERR_CONFIG_INVALID',
  REBALANCE_IN_PROGRESS: 'ERR_GROUP_REBALANCE_IN_PROGRESS',
  INVALID_COMMIT_OFFSET_SIZE: 'ERR_CONFIG_INVALID',
  INVALID_TIMESTAMP: 'ERR_TIMESTAMP_INVALID',
  TOPIC_ALREADY_EXISTS: 'ERR_TOPIC_EXISTS',
  INVALID_PARTITIONS: 'ERR_PARTITIONS_INVALID',
  INVALID_REPLICATION_FACTOR: 'ERR_CONFIG_INVALID',
  INVALID_CONFIG: 'ERR_CONFIG_INVALID',
  INVALID_REQUEST: 'ERR_PROTOCOL_INVALID',
  POLICY_VIOLATION: 'ERR_CONFIG_INVALID',
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'ERR_OUT_OF_ORDER_SEQUENCE',
  INVALID_PRODUCER_EPOCH: 'ERR_PRODUCER_EPOCH_INVALID',
  PRODUCER_FENCED: 'ERR_PRODUCER_FENCED',
  TRANSACTION_COORDINATOR_FENCED: 'ERR_PRODUCER_FENCED',
  INVALID_TXN_STATE: 'ERR_TRANSACTION_STATE_INVALID',
  INVALID_PRODUCER_ID_MAPPING: 'ERR_TRANSACTION_STATE_INVALID',
  TRANSACTIONAL_ID_NOT_FOUND: 'ERR_TRANSACTION_STATE_INVALID',
  INVALID_TRANSACTION_TIMEOUT: 'ERR_CONFIG_INVALID',
  CONCURRENT_TRANSACTIONS: 'ERR_CONCURRENT_TRANSACTIONS',
  KAFKA_STORAGE_ERROR: 'ERR_STORAGE_IO',
  NON_EMPTY_GROUP: 'ERR_GROUP_NOT_EMPTY',
  GROUP_ID_NOT_FOUND: 'ERR_GROUP_NOT_FOUND',
  UNSUPPORTED_COMPRESSION_TYPE: 'ERR_COMPRESSION_UNSUPPORTED',
  FENCED_INSTANCE_ID: 'ERR_GROUP_FENCED_INSTANCE_ID',
  INVALID_RECORD: 'ERR_RECORD_INVALID',
  UNSUPPORTED_VERSION: 'ERR_PROTOCOL_INVALID',
  SASL_AUTHENTICATION_FAILED: 'ERR_CONFIG_INVALID',
  UNSUPPORTED_SASL_MECHANISM: 'ERR_CONFIG_INVALID',
  ILLEGAL_SASL_STATE: 'ERR_CONFIG_INVALID',
};

const EDDY_MESSAGE = /^(ERR_[A-Z0-9_]+): ([\s\S]*)$/;

/** The Kafka error name of a numeric code (`UNKNOWN_SERVER_ERROR` for codes the library does not know). */
export function kafkaErrorName(code: number): string {
  return (protocolErrorsCodesById as Record<number, string | undefined>)[code] ?? 'UNKNOWN_SERVER_ERROR';
}

/**
 * The EddyError for a non-zero Kafka error code found in a response (a per-topic, per-partition or
 * per-group `errorCode`), with the broker's `errorMessage` when it gave one.
 */
export function kafkaError(code: number, serverMessage: string | null | undefined, context: ErrorContext = {}): EddyError {
  const name = kafkaErrorName(code);
  const fromEddy = serverMessage == null ? null : EDDY_MESSAGE.exec(serverMessage);
  if (fromEddy !== null && Object.hasOwn(ERROR_CODES, fromEddy[1]!)) {
    return new EddyError(fromEddy[1] as ErrorCode, fromEddy[2], { ...context, kafkaError: name });
  }
  const message = `The broker answered ${name}${serverMessage ? `: ${serverMessage}` : ''}`;
  const mapped = BY_KAFKA_ERROR[name];
  if (mapped !== undefined) return new EddyError(mapped, message, { ...context, ...(name.includes('SASL') ? { config: 'sasl' } : {}), kafkaError: name });
  const retriable = (protocolErrors as Record<string, { canRetry?: boolean } | undefined>)[name]?.canRetry === true;
  return new EddyError(retriable ? BROKER_UNAVAILABLE : BROKER_REFUSED, message, { ...context, kafkaError: name });
}

interface LibraryError extends Error {
  code?: string;
  apiCode?: number;
  serverErrorMessage?: string | null;
  errors?: unknown[];
}

/** Depth-first over a library error, its aggregated errors and causes. */
function* chain(err: unknown, depth = 0): Generator<LibraryError> {
  if (depth > 8 || typeof err !== 'object' || err === null) return;
  const e = err as LibraryError;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  if (e.cause !== undefined) yield* chain(e.cause, depth + 1);
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS|^ERR_SSL|^EPROTO$/;
const NETWORK_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ENETUNREACH']);

/**
 * Maps anything a library call threw to an EddyError (an EddyError passes through). `context` names
 * what the call was about (topic, partition, group…).
 */
export function toEddyError(err: unknown, context: ErrorContext = {}): EddyError {
  if (isEddyError(err)) return err;
  const errors = [...chain(err)];
  // A Kafka error code in a response says the most: look for it first.
  for (const e of errors) {
    if (e.code === 'PLT_KFK_PROTOCOL' && typeof e.apiCode === 'number') {
      const mapped = kafkaError(e.apiCode, e.serverErrorMessage, context);
      return new EddyError(mapped.code, mapped.message, mapped.context, { cause: err });
    }
  }
  for (const e of errors) {
    const unknownTopic = e.code === 'PLT_KFK_USER' ? /^Unknown topic (.+)\.$/.exec(e.message) : null;
    if (unknownTopic !== null) {
      return new EddyError('ERR_TOPIC_NOT_FOUND', `Topic ${unknownTopic[1]} does not exist`, { topic: unknownTopic[1], ...context }, { cause: err });
    }
  }
  for (const e of errors) {
    // A certificate the client does not trust (or that names another host) will not get better by retrying.
    if (e.code !== undefined && TLS_CODES.test(e.code)) {
      return new EddyError('ERR_CONFIG_INVALID', `The TLS handshake with the broker failed: ${e.message}`, { ...context, config: 'tls', tlsError: e.code }, { cause: err });
    }
  }
  for (const e of errors) {
    if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
      return new EddyError(BROKER_UNAVAILABLE, `The broker could not be reached or did not answer (${e.message}); the call may be retried`, { ...context, unavailable: true }, { cause: err });
    }
  }
  for (const e of errors) {
    if (e.code === 'PLT_KFK_AUTHENTICATION') {
      return new EddyError('ERR_CONFIG_INVALID', `The broker refused the authentication: ${e.message}`, { ...context, config: 'sasl', kafkaError: 'SASL_AUTHENTICATION_FAILED' }, { cause: err });
    }
    if (e.code === 'PLT_KFK_UNSUPPORTED_API') {
      return new EddyError('ERR_PROTOCOL_INVALID', `The broker does not serve an API this call needs: ${e.message}`, context, { cause: err });
    }
    if (e.code === 'PLT_KFK_UNSUPPORTED_COMPRESSION') {
      return new EddyError('ERR_COMPRESSION_UNSUPPORTED', e.message, context, { cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EddyError('ERR_INTERNAL_DEFECT', `Kafka client failure: ${message}`, context, { cause: err });
}

/** The parsed response a library error carries (one with per-item error codes), or null. */
export function responseOf<T>(err: unknown): T | null {
  if (err instanceof MultipleErrors || err instanceof GenericError) {
    const response = (err as { response?: unknown }).response;
    if (typeof response === 'object' && response !== null) return response as T;
  }
  return null;
}
