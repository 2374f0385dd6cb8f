/** Eddy's core: the embedded log, its clients and admin. */
export { Eddy } from './eddy.js';
export { type EddyOptions, DEFAULT_EDDY_CONFIG } from './eddy-options.js';
export { Admin } from './admin.js';
export { Producer, DEFAULT_PRODUCER_OPTIONS } from './client/producer.js';
export { Consumer, DEFAULT_CONSUMER_OPTIONS } from './client/consumer.js';
export * from './client/types.js';
export type { LogAccess, PartitionLogAccess, AppendResult, ReadResult } from './client/log-access.js';
export { murmur2, partitionForKey } from './client/partitioner.js';
export * from './serdes.js';
export { EddyError, ERROR_CODES, isEddyError, type ErrorCode, type ErrorContext } from './errors.js';
export { type Clock, type Timer, ManualClock, systemClock } from './clock.js';
export { TOPIC_CONFIG_DEFS, type TopicConfigName, validateTopicConfig } from './log/log-config.js';
export { validateUserTopicName, INTERNAL_TOPICS } from './log/topic-name.js';
export type { PartitionLog } from './log/partition-log.js';
export type { RecordHeader, LogRecord, CompressionType, TimestampType } from './record/record.js';
export { describeLogFile, formatDumpLog } from './record/dump-log.js';
