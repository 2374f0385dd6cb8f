/**
 * The record APIs: Produce, Fetch, ListOffsets and DeleteRecords.
 *
 * - Produce stores each partition's batch as the client sent it: the log checks it (magic 2, CRC,
 *   offsets, sizes, the producer's sequence), assigns its base offset, and rewrites nothing else
 *   (LogAppendTime topics also stamp the append time; a topic whose `compression.type` names a codec
 *   recompresses, as Kafka does). As in Kafka, a partition's records must be exactly one batch.
 *   acks 0 sends no response, 1 answers once the batch is in the log, -1 (all) once it is fsynced
 *   (the only replica is the leader; durability is the closest meaning of "all").
 * - Fetch answers with the stored batch bytes, never re-encoded, up to `partitionMaxBytes` per
 *   partition and `maxBytes` in all (at least one whole batch of the first partition with data, as
 *   Kafka does since KIP-74). With `read_committed` it stops at the last stable offset and lists the
 *   aborted transactions in what it returns. Below `minBytes` it waits for appends up to `maxWaitMs`.
 *   Fetch sessions (KIP-227) are not kept: every response has session id 0, which tells clients to
 *   send full requests.
 */
import { EddyError, isEddyError } from '../../errors.js';
import type { IsolationLevel } from '../../client/log-access.js';
import { API_KEYS } from '../../protocol/api-keys.js';
import type { StructValue } from '../../protocol/schema.js';
import type { PartitionLog } from '../../log/partition-log.js';
import { ATTR_COMPRESSION_MASK, BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchAttributes } from '../../record/record-batch.js';
import { COMPRESSION_CODEC_IDS } from '../../record/record.js';
import type { Handler, RequestContext } from '../handler.js';
import { failureCode, KAFKA_ERRORS, kafkaErrorMessage } from '../kafka-errors.js';

interface ProducePartition {
  index: number;
  records: Uint8Array | null;
}

interface ProduceTopic {
  name: string;
  partitionData: ProducePartition[];
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const handleProduce: Handler = async ({ body, broker, apiVersion }) => {
  const acks = body.acks as number;
  const topics = body.topicData as unknown as ProduceTopic[];
  const responses: StructValue[] = [];
  const durable: Array<Promise<void>> = [];
  for (const topic of topics) {
    const partitionResponses: StructValue[] = [];
    for (const { index, records } of topic.partitionData) {
      const answer: StructValue = { index, errorCode: 0, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null };
      partitionResponses.push(answer);
      try {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          answer.errorCode = KAFKA_ERRORS.INVALID_REQUIRED_ACKS;
          continue;
        }
        const log = broker.manager.log(topic.name, index);
        const batch = records === null ? EMPTY : asBuffer(records);
        if (batch.length < LOG_OVERHEAD || batch.readInt32BE(8) + LOG_OVERHEAD !== batch.length) {
          throw new EddyError('ERR_RECORD_INVALID', 'A partition of a Produce request must hold exactly one record batch', { topic: topic.name, partition: index });
        }
        // zstd came with Produce v7 (KIP-110): Kafka refuses zstd batches in older requests.
        if (apiVersion < 7 && batch.length >= BATCH_HEADER_SIZE && (readBatchAttributes(batch) & ATTR_COMPRESSION_MASK) === COMPRESSION_CODEC_IDS.zstd) {
          throw new EddyError('ERR_COMPRESSION_UNSUPPORTED', `zstd batches need Produce v7 or later (this request is v${apiVersion})`, { topic: topic.name, partition: index });
        }
        const result = log.append(batch);
        answer.baseOffset = result.baseOffset;
        answer.logAppendTimeMs = result.logAppendTime;
        answer.logStartOffset = log.logStartOffset();
        if (acks === -1) {
          durable.push(
            log.flush().catch((err: unknown) => {
              answer.errorCode = failureCode(broker, err);
              answer.errorMessage = kafkaErrorMessage(err);
            }),
          );
        }
      } catch (err) {
        const code = failureCode(broker, err);
        // Produce answers a stale epoch with INVALID_PRODUCER_EPOCH in every version (KAFKA-10687): clients
        // treat it as abortable, while PRODUCER_FENCED is fatal or unknown to them here.
        answer.errorCode = code === KAFKA_ERRORS.PRODUCER_FENCED ? KAFKA_ERRORS.INVALID_PRODUCER_EPOCH : code;
        answer.errorMessage = kafkaErrorMessage(err);
        answer.baseOffset = -1;
      }
    }
    responses.push({ name: topic.name, partitionResponses });
  }
  if (acks === 0) return null;
  await Promise.all(durable);
  return { responses, throttleTimeMs: 0 };
};

interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

interface FetchTopicRequest {
  topic?: string;
  topicId?: string;
  partitions: FetchPartitionRequest[];
}

/** One partition of a fetch: where to read and what was found. */
interface FetchSlot {
  request: FetchPartitionRequest;
  log: PartitionLog | null;
  answer: StructValue;
  /** The offset after what the last read returned: a wait for more data starts there. */
  readEnd: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads every slot once; returns the bytes gathered, and whether some partition holds more than it
 * returned (cut by a byte limit or a segment end), which ends a wait for minBytes as Kafka's does.
 */
function readSlots(slots: FetchSlot[], isolation: IsolationLevel, maxBytes: number, ctx: RequestContext): { total: number; moreAvailable: boolean } {
  const { broker } = ctx;
  let total = 0;
  let moreAvailable = false;
  for (const slot of slots) {
    const { log, answer, request } = slot;
    if (log === null) continue;
    try {
      const highWatermark = log.logEndOffset();
      const lastStable = log.lastStableOffset();
      answer.highWatermark = highWatermark;
      answer.lastStableOffset = lastStable;
      answer.logStartOffset = log.logStartOffset();
      answer.errorCode = 0;
      const committed = isolation === 'read_committed';
      const readable = committed ? lastStable : highWatermark;
      slot.readEnd = request.fetchOffset;
      const budget = Math.min(request.partitionMaxBytes, maxBytes - total);
      if (total > 0 && budget <= 0) {
        answer.records = EMPTY;
        if (request.fetchOffset < readable) moreAvailable = true;
        continue;
      }
      // Only the first partition with data may exceed the limits (one whole batch), so clients always progress.
      const read = log.read(request.fetchOffset, budget, committed ? lastStable : undefined, (size) => ctx.allocate(size));
      let bytes = read.bytes;
      if (total > 0 && bytes.length > budget) bytes = EMPTY;
      if (bytes.length > 0) slot.readEnd = read.nextOffset;
      if (slot.readEnd < readable) moreAvailable = true;
      answer.records = bytes;
      answer.abortedTransactions = committed
        ? bytes.length === 0
          ? []
          : log.abortedTransactions(request.fetchOffset, read.nextOffset).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }))
        : null;
      total += bytes.length;
    } catch (err) {
      answer.errorCode = failureCode(broker, err);
      answer.records = EMPTY;
      if (isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE')) {
        answer.highWatermark = log.logEndOffset();
        answer.logStartOffset = log.logStartOffset();
      }
    }
  }
  return { total, moreAvailable };
}

/** Resolves when any slot's log has data past what was read from it, the wait ends, or the connection closes. */
function waitForAny(slots: FetchSlot[], isolation: IsolationLevel, waitMs: number, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(onAbort, waitMs);
  const waits = slots.filter((s) => s.log !== null && s.answer.errorCode === 0).map((s) => s.log!.waitForData(s.readEnd, stop.signal, isolation));
  const done = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  return Promise.race([done, ...waits]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  });
}

const handleFetch: Handler = async (ctx: RequestContext) => {
  const { body, broker, apiVersion } = ctx;
  const sessionEpoch = (body.sessionEpoch as number | undefined) ?? -1;
  const sessionId = (body.sessionId as number | undefined) ?? 0;
  if (sessionId !== 0 || sessionEpoch > 0) {
    // A session this broker never created (it creates none).
    return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  }
  const isolation: IsolationLevel = body.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted';
  const maxBytes = Math.max(0, body.maxBytes as number);
  const minBytes = body.minBytes as number;
  const maxWaitMs = Math.max(0, body.maxWaitMs as number);
  const byId = apiVersion >= 13;
  const slots: FetchSlot[] = [];
  const responses: StructValue[] = [];
  for (const topic of body.topics as unknown as FetchTopicRequest[]) {
    const name = byId ? broker.manager.topicNameById(topic.topicId!) : topic.topic!;
    const partitions: StructValue[] = [];
    responses.push(byId ? { topicId: topic.topicId!, partitions } : { topic: name, partitions });
    for (const request of topic.partitions) {
      const answer: StructValue = {
        partitionIndex: request.partition,
        errorCode: 0,
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: EMPTY,
      };
      partitions.push(answer);
      let log: PartitionLog | null = null;
      if (name === null) answer.errorCode = KAFKA_ERRORS.UNKNOWN_TOPIC_ID;
      else {
        try {
          log = broker.manager.log(name, request.partition);
        } catch (err) {
          answer.errorCode = failureCode(broker, err);
        }
      }
      slots.push({ request, log, answer, readEnd: request.fetchOffset });
    }
  }
  let read = readSlots(slots, isolation, maxBytes, ctx);
  if (read.total < minBytes && !read.moreAvailable && maxWaitMs > 0 && !ctx.signal.aborted) {
    const deadline = Date.now() + maxWaitMs;
    while (read.total < minBytes && !read.moreAvailable && !ctx.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // Waits for data past what was read, so a partition that returned some data does not end the wait at once.
      await waitForAny(slots, isolation, left, ctx.signal);
      read = readSlots(slots, isolation, maxBytes, ctx);
    }
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
};

/** ListOffsets' special timestamps. */
const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;

interface ListOffsetsTopic {
  name: string;
  partitions: Array<{ partitionIndex: number; timestamp: number }>;
}

const handleListOffsets: Handler = ({ body, broker }) => {
  const isolation: IsolationLevel = body.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted';
  const topics: StructValue[] = [];
  for (const topic of body.topics as unknown as ListOffsetsTopic[]) {
    const partitions: StructValue[] = [];
    topics.push({ name: topic.name, partitions });
    for (const { partitionIndex, timestamp } of topic.partitions) {
      const answer: StructValue = { partitionIndex, errorCode: 0, timestamp: -1, offset: -1, leaderEpoch: 0 };
      partitions.push(answer);
      try {
        const log = broker.manager.log(topic.name, partitionIndex);
        if (timestamp === LATEST) answer.offset = isolation === 'read_committed' ? log.lastStableOffset() : log.logEndOffset();
        else if (timestamp === EARLIEST || timestamp === EARLIEST_LOCAL) answer.offset = log.logStartOffset();
        else if (timestamp === MAX_TIMESTAMP) {
          const found = log.maxTimestampOffset();
          if (found !== null) {
            answer.offset = found.offset;
            answer.timestamp = found.timestamp;
          }
        } else if (timestamp >= 0) {
          const found = log.recordAtOrAfterTimestamp(timestamp);
          if (found !== null) {
            answer.offset = found.offset;
            answer.timestamp = found.timestamp;
          }
        } else {
          answer.errorCode = KAFKA_ERRORS.INVALID_REQUEST;
          answer.leaderEpoch = -1;
        }
      } catch (err) {
        answer.errorCode = failureCode(broker, err);
        answer.leaderEpoch = -1;
      }
    }
  }
  return { throttleTimeMs: 0, topics };
};

interface DeleteRecordsTopic {
  name: string;
  partitions: Array<{ partitionIndex: number; offset: number }>;
}

const handleDeleteRecords: Handler = ({ body, broker }) => {
  const topics: StructValue[] = [];
  for (const topic of body.topics as unknown as DeleteRecordsTopic[]) {
    const partitions: StructValue[] = [];
    topics.push({ name: topic.name, partitions });
    for (const { partitionIndex, offset } of topic.partitions) {
      const answer: StructValue = { partitionIndex, lowWatermark: -1, errorCode: 0 };
      partitions.push(answer);
      try {
        answer.lowWatermark = broker.manager.deleteRecords(topic.name, partitionIndex, offset);
      } catch (err) {
        answer.errorCode = failureCode(broker, err);
      }
    }
  }
  return { throttleTimeMs: 0, topics };
};

export const RECORD_HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.Produce, handleProduce],
  [API_KEYS.Fetch, handleFetch],
  [API_KEYS.ListOffsets, handleListOffsets],
  [API_KEYS.DeleteRecords, handleDeleteRecords],
]);
