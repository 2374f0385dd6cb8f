/** Public surface of the record layer: the RecordBatch v2 codec and its helpers. */

export * from './record.js';
export { compress, compressionFromAttributes, decompress } from './compression.js';
export { type ControlRecord, type ControlRecordType, CONTROL_TYPE_IDS, decodeControlRecord, encodeControlRecord } from './control-record.js';
export { type DumpedBatch, type LogFileDescription, describeLogFile, formatDumpLog } from './dump-log.js';
export {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  type BatchLocation,
  type BatchScanEnd,
  batchesIn,
  batchIsControl,
  batchIsTransactional,
  batchTimestampType,
  computeBatchCrc,
  CURRENT_MAGIC,
  DEFAULT_ENCODE_RECORD_BATCH_OPTIONS,
  decodeRecords,
  encodeRecordBatch,
  type EncodeRecordBatchOptions,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  verifyBatch,
} from './record-batch.js';
export { type Cursor, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';
