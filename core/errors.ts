/**
 * Every error Eddy raises is an {@link EddyError}: a stable `code` (`ERR_<AREA>_<CONDITION>`), a
 * `retriable` flag telling a caller whether the same call may succeed later, and context fields
 * (topic, partition, offset, path…) for logs and tests. The registry below is the one place codes
 * are defined; a test checks every code is unique, documented here and in the README.
 */

/** code → [default message, retriable] */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: ['Invalid configuration value', false],
  ERR_CONFIG_UNKNOWN: ['Unknown configuration name', false],
  ERR_TOPIC_NAME_INVALID: ['Invalid topic name', false],
  ERR_TOPIC_EXISTS: ['Topic already exists', false],
  ERR_TOPIC_NOT_FOUND: ['Topic does not exist', false],
  ERR_TOPIC_RESERVED: ['Topic name is reserved for internal use', false],
  ERR_PARTITION_NOT_FOUND: ['Partition does not exist', false],
  ERR_PARTITIONS_INVALID: ['Invalid partition count', false],
  ERR_PATH_OUTSIDE_DATA_DIR: ['Path escapes the data directory', false],
  ERR_DATA_DIR_LOCKED: ['Data directory is owned by another process', false],
  ERR_DATA_DIR_INVALID: ['Data directory cannot be used', false],
  ERR_LOG_CLOSED: ['Log is closed', false],
  ERR_LOG_FAILED: ['Log is stopped after a storage failure', false],
  ERR_LOG_CORRUPT: ['Corrupt data in the log', false],
  ERR_OFFSET_OUT_OF_RANGE: ['Offset is out of range', false],
  ERR_RECORD_TOO_LARGE: ['Record batch exceeds max.message.bytes', false],
  ERR_RECORD_INVALID: ['Invalid record', false],
  ERR_BATCH_INVALID: ['Invalid record batch', false],
  ERR_BATCH_CRC: ['Record batch CRC mismatch', false],
  ERR_COMPRESSION_UNSUPPORTED: ['Unsupported compression codec', false],
  ERR_COMPRESSION_FAILED: ['Compression or decompression failed', false],
  ERR_TIMESTAMP_INVALID: ['Invalid timestamp', false],
  ERR_INT64_UNSAFE: ['64-bit integer is outside the safe range of a JS number', false],
  ERR_SERDE_FAILED: ['Serialization or deserialization failed', false],
  ERR_PRODUCER_CLOSED: ['Producer is closed', false],
  ERR_CONSUMER_CLOSED: ['Consumer is closed', false],
  ERR_CONSUMER_NOT_ASSIGNED: ['Partition is not assigned to this consumer', false],
  ERR_CONSUMER_MODE: ['Call does not fit how the consumer gets its partitions (assign or subscribe)', false],
  ERR_CONSUMER_NO_GROUP: ['Consumer has no groupId', false],
  ERR_GROUP_ID_INVALID: ['Invalid group id', false],
  ERR_GROUP_NOT_FOUND: ['Group does not exist', false],
  ERR_GROUP_NOT_EMPTY: ['Group has active members', false],
  ERR_GROUP_UNKNOWN_MEMBER: ['Member is not in the group', false],
  ERR_GROUP_ILLEGAL_GENERATION: ['Member is not in the current generation of the group', false],
  ERR_GROUP_REBALANCE_IN_PROGRESS: ['The group is rebalancing', true],
  ERR_GROUP_FENCED_INSTANCE_ID: ['A newer member took over this static member (groupInstanceId)', false],
  ERR_GROUP_INCONSISTENT_PROTOCOL: ['Member shares no partition assignor with the group', false],
  ERR_PRODUCER_FENCED: ['A newer producer with the same transactionalId (or a transaction timeout) fenced this producer', false],
  ERR_PRODUCER_EPOCH_INVALID: ['The producer epoch is older than the one the log knows (a newer instance of this producer exists)', false],
  ERR_OUT_OF_ORDER_SEQUENCE: ['The batch sequence number does not follow the last one the log stored for this producer', false],
  ERR_REQUEST_TIMED_OUT: ['The request timed out; its outcome is unknown and it may be retried', true],
  ERR_TRANSACTION_STATE_INVALID: ['The call does not fit the state of the transaction', false],
  ERR_TRANSACTION_ABORTED: ['The transaction was aborted; records sent in it are discarded', false],
  ERR_CONCURRENT_TRANSACTIONS: ['The previous transaction of this transactionalId is still completing', true],
  ERR_TRANSACTIONAL_ID_INVALID: ['Invalid transactionalId', false],
  ERR_PROTOCOL_INVALID: ['Malformed Kafka protocol message', false],
  ERR_BROKER_UNAVAILABLE: ['The broker could not be reached or did not answer; the outcome is unknown and the call may be retried', true],
  ERR_BROKER_REFUSED: ['The broker refused the request with a Kafka error Eddy has no code for (see context.kafkaError)', false],
  ERR_STORAGE_IO: ['Storage I/O failed', true],
  ERR_CLI_USAGE: ['Invalid command line', false],
  ERR_CLI_INPUT: ['Invalid input to a command', false],
  ERR_CLI_NOT_BUILT: ['The eddy command is not built (run npm run build)', false],
  ERR_INTERNAL_DEFECT: ['Unexpected internal error (a defect in Eddy)', false],
} as const satisfies Record<string, readonly [string, boolean]>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Context carried by an error; any field may be absent. */
export interface ErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  path?: string;
  config?: string;
  value?: unknown;
  pid?: number;
  [key: string]: unknown;
}

export class EddyError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message?: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code][0], options);
    this.name = 'EddyError';
    this.code = code;
    this.retriable = ERROR_CODES[code][1];
    this.context = context;
  }
}

/** True when `err` is an EddyError, optionally with the given code. */
export function isEddyError(err: unknown, code?: ErrorCode): err is EddyError {
  return err instanceof EddyError && (code === undefined || err.code === code);
}

/** Checks that an int64 read from bytes fits a JS number (DESIGN decision 3). */
export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new EddyError('ERR_INT64_UNSAFE', `${what} ${value} is outside the safe integer range`, { value: value.toString() });
  }
  return Number(value);
}
