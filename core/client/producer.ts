/**
 * The producer: turns `send({ topic, messages })` calls into RecordBatch v2 batches appended to the
 * log, the way Kafka's RecordAccumulator + Sender do, minus the network.
 *
 * - Each topic-partition has at most one open batch. A record goes to the partition its message
 *   names, else to the one the partitioner picks (murmur2 of the serialized key; sticky for null keys).
 * - A batch is sealed — encoded once and handed to `PartitionLogAccess.append()` — when it reaches
 *   `batchSize` bytes (estimated, uncompressed), when `lingerMs` has passed since it was opened, or on
 *   `flush()`/`close()`. With `lingerMs: 0` every batch opened during one turn of the event loop is
 *   sealed on the next `setImmediate`, so sends made in the same tick share batches.
 * - Within a partition batches are appended in the order they were opened, and records keep their
 *   order within a batch, so offsets follow send order per partition.
 * - acks 1 resolves after the append; 'all'/-1 also awaits `flush()` (the log group-commits the
 *   fsync); 0 resolves at once with offset -1 and never reports an append error (they are counted in
 *   `metrics().acks0Errors`).
 * - An append (or encode) failure rejects exactly the sends with a record in that batch. A send whose
 *   input is bad (serde failure, unknown partition, invalid timestamp) is rejected before any of its
 *   records is queued.
 *
 * @example
 * ```ts
 * const producer = new Producer(log, { acks: 1, valueSerde: serdes.json });
 * const [meta] = await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: { total: 3 } }] });
 * await producer.close();
 * ```
 */
import type { Timer } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { encodeRecordBatch } from '../record/record-batch.js';
import type { CompressionType, RecordHeader, RecordInput } from '../record/record.js';
import { isSerde, type Serde } from '../serdes.js';
import type { AppendResult, LogAccess, PartitionLogAccess } from './log-access.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';
import { toRecordHeaders } from './headers.js';
import type { Acks, Message, ProducerOptions, ProducerRecord, RecordMetadata } from './types.js';

export interface ResolvedProducerOptions<K = unknown, V = unknown> {
  acks: Acks;
  lingerMs: number;
  batchSize: number;
  compression: CompressionType;
  keySerde: Serde<K> | undefined;
  valueSerde: Serde<V> | undefined;
}

export const DEFAULT_PRODUCER_OPTIONS = {
  acks: 'all',
  lingerMs: 0,
  batchSize: 16384,
  compression: 'none',
  keySerde: undefined,
  valueSerde: undefined,
} as const satisfies ResolvedProducerOptions;

const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const OPTION_NAMES = new Set(Object.keys(DEFAULT_PRODUCER_OPTIONS));

function invalid(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `Producer option ${config} ${why}`, { config, value });
}

function checkAcks(acks: unknown, config: string): Acks {
  if (acks === 0 || acks === 1 || acks === -1 || acks === 'all') return acks;
  throw invalid(config, acks, "must be 0, 1, -1 or 'all'");
}

function checkSerde<T>(serde: Serde<T> | undefined, config: string): Serde<T> | undefined {
  if (serde === undefined) return undefined;
  if (!isSerde(serde)) {
    throw invalid(config, serde, 'must be a Serde with serialize() and deserialize()');
  }
  return serde;
}

/** Fills in defaults and validates; throws ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID. */
export function resolveProducerOptions<K, V>(options: ProducerOptions<K, V> = {}): ResolvedProducerOptions<K, V> {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown producer option ${name}`, { config: name });
  }
  const acks = checkAcks(options.acks ?? DEFAULT_PRODUCER_OPTIONS.acks, 'acks');
  const lingerMs = options.lingerMs ?? DEFAULT_PRODUCER_OPTIONS.lingerMs;
  if (typeof lingerMs !== 'number' || !Number.isFinite(lingerMs) || lingerMs < 0) {
    throw invalid('lingerMs', lingerMs, 'must be a finite number >= 0');
  }
  const batchSize = options.batchSize ?? DEFAULT_PRODUCER_OPTIONS.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 0) throw invalid('batchSize', batchSize, 'must be an integer >= 0');
  const compression = options.compression ?? DEFAULT_PRODUCER_OPTIONS.compression;
  if (!COMPRESSION_TYPES.includes(compression)) throw invalid('compression', compression, `must be one of ${COMPRESSION_TYPES.join(', ')}`);
  return {
    acks,
    lingerMs,
    batchSize,
    compression,
    keySerde: checkSerde(options.keySerde, 'keySerde'),
    valueSerde: checkSerde(options.valueSerde, 'valueSerde'),
  };
}

/** RecordBatch v2 header bytes. */
const BATCH_OVERHEAD = 61;
/** Upper bound of a record's framing: length, attributes, timestamp and offset deltas, key/value lengths, header count. */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** Upper bound of a header's framing: key and value length varints. */
const HEADER_OVERHEAD = 10;

const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/** One `send()` call: its promise, its per-record results, and how many records are still pending. */
class SendState {
  readonly results: RecordMetadata[];
  remaining: number;
  settled = false;
  resolve!: (metadata: RecordMetadata[]) => void;
  reject!: (err: unknown) => void;
  readonly promise: Promise<RecordMetadata[]>;

  constructor(readonly acks: Acks, count: number) {
    this.results = new Array<RecordMetadata>(count);
    this.remaining = count;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  recordDone(): void {
    if (--this.remaining === 0 && !this.settled) {
      this.settled = true;
      this.resolve(this.results);
    }
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

/** The open batch of one topic-partition. Records and their owners are kept in parallel arrays. */
class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly owners: SendState[] = [];
  readonly slots: number[] = [];
  bytes = BATCH_OVERHEAD;
  hasNullKeys = false;
  timer: Timer | null = null;

  constructor(readonly topic: string, readonly partition: number, readonly numPartitions: number) {}
}

interface PreparedRecord {
  record: RecordInput;
  partition: number;
  size: number;
}

export interface ProducerMetrics {
  batchesAppended: number;
  recordsAppended: number;
  /** Append failures of acks-0 sends, which are not reported to the caller. */
  acks0Errors: number;
}

export class Producer<K = Buffer | string | null, V = Buffer | string | null> {
  readonly options: ResolvedProducerOptions<K, V>;
  private readonly accumulators = new Map<string, Array<ProducerBatch | undefined>>();
  private readonly inflight = new Set<Promise<void>>();
  private drainScheduled = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly counters: ProducerMetrics = { batchesAppended: 0, recordsAppended: 0, acks0Errors: 0 };

  constructor(
    private readonly log: LogAccess,
    options: ProducerOptions<K, V> = {},
    private readonly partitioner: Partitioner = new DefaultPartitioner(),
  ) {
    this.options = resolveProducerOptions(options);
  }

  /**
   * Queues the messages and resolves with one RecordMetadata per message, in message order, once
   * the batches holding them are appended (acks 1) or appended and fsynced (acks 'all').
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata[]> {
    if (typeof record !== 'object' || record === null) {
      return Promise.reject(new EddyError('ERR_RECORD_INVALID', 'send() takes { topic, messages }', { value: record }));
    }
    if (this.closed) return Promise.reject(new EddyError('ERR_PRODUCER_CLOSED', undefined, { topic: record.topic }));
    let acks: Acks;
    let prepared: PreparedRecord[];
    let numPartitions: number;
    try {
      acks = record.acks === undefined ? this.options.acks : checkAcks(record.acks, 'acks');
      if (!Array.isArray(record.messages)) {
        throw new EddyError('ERR_RECORD_INVALID', 'send() needs a messages array', { topic: record.topic });
      }
      // Convert and validate first, so a bad message does not auto-create the topic.
      prepared = this.prepare(record.topic, record.messages);
      numPartitions = this.log.partitionCount(record.topic, true);
      for (let i = 0; i < prepared.length; i++) {
        const partition = prepared[i]!.partition;
        if (partition >= numPartitions) {
          throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${record.topic} has no partition ${partition} (it has ${numPartitions})`, { topic: record.topic, partition, index: i });
        }
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const state = new SendState(acks, prepared.length);
    if (prepared.length === 0) {
      state.settled = true;
      return Promise.resolve([]);
    }
    for (let i = 0; i < prepared.length; i++) this.enqueue(record.topic, numPartitions, prepared[i]!, state, i);
    if (acks === 0) {
      state.settled = true;
      return Promise.resolve(prepared.map(({ record: r, partition }) => ({ topic: record.topic, partition, offset: -1, timestamp: r.timestamp! })));
    }
    return state.promise;
  }

  /** Seals every open batch and waits until every batch sealed so far has completed (or failed). */
  async flush(): Promise<void> {
    for (const batches of this.accumulators.values()) {
      for (const batch of batches) if (batch !== undefined) this.seal(batch);
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Flushes, then rejects every later send with ERR_PRODUCER_CLOSED. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.flush();
    return this.closing;
  }

  metrics(): ProducerMetrics {
    return { ...this.counters };
  }

  /** Validates and converts every message before any is queued, so a bad message rejects the whole send. */
  private prepare(topic: string, messages: ReadonlyArray<Message<K, V>>): PreparedRecord[] {
    const out: PreparedRecord[] = new Array<PreparedRecord>(messages.length);
    const now = this.log.clock.now();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (typeof message !== 'object' || message === null) {
        throw new EddyError('ERR_RECORD_INVALID', `Message ${i} is not an object`, { topic, index: i });
      }
      const key = this.toBytes(message.key ?? null, this.options.keySerde, 'key', topic, i);
      const value = this.toBytes(message.value ?? null, this.options.valueSerde, 'value', topic, i);
      const headers = message.headers === undefined ? NO_HEADERS : toRecordHeaders(message.headers, topic, i);
      const timestamp = message.timestamp ?? now;
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new EddyError('ERR_TIMESTAMP_INVALID', `Message ${i} has an invalid timestamp`, { topic, index: i, value: timestamp });
      }
      let partition: number;
      if (message.partition !== undefined) {
        partition = message.partition;
        if (!Number.isInteger(partition) || partition < 0) {
          throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${topic} has no partition ${String(partition)}`, { topic, partition, index: i });
        }
      } else {
        partition = -1; // decided at enqueue time: the sticky partition may move while this send is queued
      }
      let size = RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
      for (const h of headers) size += HEADER_OVERHEAD + Buffer.byteLength(h.key) + (h.value === null ? 0 : h.value.length);
      out[i] = { record: { key, value, headers, timestamp }, partition, size };
    }
    return out;
  }

  private toBytes<T>(input: T | null, serde: Serde<T> | undefined, what: 'key' | 'value', topic: string, index: number): Buffer | null {
    if (serde !== undefined) {
      try {
        return serde.serialize(input as T);
      } catch (err) {
        if (isEddyError(err)) throw err;
        throw new EddyError('ERR_SERDE_FAILED', `The ${what} serde failed on message ${index}`, { topic, index, what }, { cause: err });
      }
    }
    if (input === null) return null;
    if (typeof input === 'string') return Buffer.from(input, 'utf8');
    if (Buffer.isBuffer(input)) return input;
    if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    throw new EddyError('ERR_RECORD_INVALID', `Message ${index} has a ${what} that is not a Buffer, string or null; configure a ${what}Serde`, { topic, index, what });
  }

  /*
   * Hot path, once per record. It avoids per-record allocation beyond the RecordInput itself (owners
   * and slots go into parallel arrays of the batch, not into a wrapper object per record; one promise
   * per send, not per record), copies no key or value bytes (the batch encoder reads them once), and
   * keeps every RecordInput the same shape (all four fields always set, in one order) so the encoder's
   * property reads stay monomorphic.
   */
  private enqueue(topic: string, numPartitions: number, prepared: PreparedRecord, owner: SendState, slot: number): void {
    const { record, size } = prepared;
    const nullKey = record.key === null && prepared.partition < 0;
    let partition = prepared.partition >= 0 ? prepared.partition : this.partitioner.partition(topic, record.key, numPartitions);
    prepared.partition = partition;
    let batches = this.accumulators.get(topic);
    if (batches === undefined) {
      batches = [];
      this.accumulators.set(topic, batches);
    }
    let batch = batches[partition];
    if (batch !== undefined && batch.records.length > 0 && batch.bytes + size > this.options.batchSize) {
      this.seal(batch);
      if (nullKey) {
        // Sealing moved the sticky partition on (KIP-480): the record follows it.
        partition = this.partitioner.partition(topic, null, numPartitions);
        prepared.partition = partition;
      }
      batch = batches[partition];
    }
    if (batch === undefined) {
      batch = new ProducerBatch(topic, partition, numPartitions);
      batches[partition] = batch;
      this.armLinger(batch);
    }
    batch.records.push(record);
    batch.owners.push(owner);
    batch.slots.push(slot);
    batch.bytes += size;
    if (nullKey) batch.hasNullKeys = true;
    if (batch.bytes >= this.options.batchSize) this.seal(batch);
  }

  private armLinger(batch: ProducerBatch): void {
    if (this.options.lingerMs > 0) {
      batch.timer = this.log.clock.setTimer(this.options.lingerMs, () => {
        batch.timer = null;
        this.seal(batch);
      });
    } else if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        for (const batches of this.accumulators.values()) {
          for (const b of batches) if (b !== undefined) this.seal(b);
        }
      });
    }
  }

  /** Removes the batch from its accumulator, encodes it and appends it. Idempotent. */
  private seal(batch: ProducerBatch): void {
    const batches = this.accumulators.get(batch.topic);
    if (batches === undefined || batches[batch.partition] !== batch) return;
    batches[batch.partition] = undefined;
    if (batch.timer !== null) {
      batch.timer.cancel();
      batch.timer = null;
    }
    if (batch.hasNullKeys) this.partitioner.onBatchSealed(batch.topic, batch.partition, batch.numPartitions);

    let partitionLog: PartitionLogAccess;
    let result: AppendResult;
    try {
      partitionLog = this.log.partitionLog(batch.topic, batch.partition);
      result = partitionLog.append(encodeRecordBatch({ records: batch.records, compression: this.options.compression }));
    } catch (err) {
      this.failBatch(batch, err);
      return;
    }
    this.counters.batchesAppended++;
    this.counters.recordsAppended += batch.records.length;

    let needsFsync = false;
    const { records, owners, slots } = batch;
    for (let i = 0; i < records.length; i++) {
      const owner = owners[i]!;
      if (owner.acks === 0) continue;
      owner.results[slots[i]!] = {
        topic: batch.topic,
        partition: batch.partition,
        offset: result.baseOffset + i,
        timestamp: result.logAppendTime >= 0 ? result.logAppendTime : records[i]!.timestamp!,
      };
      if (owner.acks === 1) owner.recordDone();
      else needsFsync = true;
    }
    if (!needsFsync) return;

    const done = partitionLog.flush().then(
      () => {
        for (const owner of owners) if (owner.acks === 'all' || owner.acks === -1) owner.recordDone();
      },
      (err: unknown) => this.failBatch(batch, err, true),
    );
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  /** Rejects the sends with a record in the batch; after a failed fsync only the acks-'all' ones. */
  private failBatch(batch: ProducerBatch, err: unknown, fsyncOnly = false): void {
    let counted = false;
    for (const owner of batch.owners) {
      if (owner.acks === 0) {
        if (!counted && !fsyncOnly) this.counters.acks0Errors++;
        counted = true;
      } else if (!fsyncOnly || owner.acks === 'all' || owner.acks === -1) {
        owner.fail(err);
      }
    }
  }
}
