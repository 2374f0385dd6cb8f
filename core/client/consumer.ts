/**
 * The consumer: reads assigned partitions from a position, like Kafka's KafkaConsumer with manual
 * `assign()` (consumer groups build on it elsewhere).
 *
 * - Each assigned partition has a position: the offset of the next record to return. A partition
 *   without one, or whose position falls outside [logStartOffset, logEndOffset] (a read raises
 *   ERR_OFFSET_OUT_OF_RANGE), is reset by `autoOffsetReset`: 'earliest' → logStartOffset, 'latest' →
 *   logEndOffset, 'none' → the error goes to the caller.
 * - `poll()` reads whole batches (`read()` may start before the position; records below it are
 *   skipped), skips control batches, applies the serdes and advances positions past what it returns.
 *   Decoded records beyond `maxRecords` wait in a per-partition buffer for the next poll. It visits
 *   partitions round-robin, starting after the last one that returned records, so a busy partition
 *   cannot starve the others.
 * - With nothing to return, `poll()` waits on `waitForData()` (never a sleep loop) until data arrives,
 *   `timeoutMs` passes on the log's clock, the assignment or a position changes, or the consumer is
 *   closed (which resolves a pending poll with []). At most one waiter per partition is outstanding
 *   at a time, however many polls time out.
 * - Errors are never data: a corrupt batch (any EddyError from the codec, ERR_LOG_CORRUPT from the
 *   log) or a serde failure stops the partition at that record. Records before it are returned first;
 *   the next poll that reaches the partition raises the error, and keeps raising it until the caller
 *   seeks past it.
 * - The async iterator and `observe()` are loops over poll. Leaving them early (break, unsubscribe,
 *   close) puts back the positions of records fetched but not delivered, so nothing is skipped.
 *
 * @example
 * ```ts
 * const consumer = new Consumer(log, { autoOffsetReset: 'earliest', valueSerde: serdes.json });
 * consumer.assign([{ topic: 'orders', partition: 0 }]);
 * for await (const record of consumer) console.log(record.offset, record.value);
 * ```
 */
import { Observable } from 'rxjs';
import type { Timer } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { batchesIn, batchIsControl, batchTimestampType, decodeRecords, verifyBatch } from '../record/record-batch.js';
import type { RecordFactory } from '../record/record-codec.js';

/** A record as decoded, keys and values still bytes: handed out as is when no serde is configured. */
type RawRecord = ConsumerRecord<Buffer | null, Buffer | null>;
import type { Serde } from '../serdes.js';
import type { PartitionLogAccess } from './log-access.js';
import type { LogAccess } from './log-access.js';
import type { AutoOffsetReset, ConsumerOptions, ConsumerRecord, TopicPartition, TopicPartitionOffset } from './types.js';

export interface ResolvedConsumerOptions<K = unknown, V = unknown> {
  autoOffsetReset: AutoOffsetReset;
  maxBytes: number;
  keySerde: Serde<K> | undefined;
  valueSerde: Serde<V> | undefined;
}

export const DEFAULT_CONSUMER_OPTIONS = {
  autoOffsetReset: 'latest',
  maxBytes: 1024 * 1024,
  keySerde: undefined,
  valueSerde: undefined,
} as const satisfies ResolvedConsumerOptions;

export interface PollOptions {
  /** Most records one poll returns. Default 500 (Kafka's max.poll.records). */
  maxRecords?: number;
  /** How long to wait, on the log's clock, when no record is available. 0 = do not wait; Infinity = until data or close. Default 1000. */
  timeoutMs?: number;
}

export const DEFAULT_POLL_OPTIONS = { maxRecords: 500, timeoutMs: 1000 } as const satisfies Required<PollOptions>;

const OPTION_NAMES = new Set(Object.keys(DEFAULT_CONSUMER_OPTIONS));
const RESET_POLICIES: readonly AutoOffsetReset[] = ['earliest', 'latest', 'none'];

function invalid(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `Consumer option ${config} ${why}`, { config, value });
}

function checkSerde<T>(serde: Serde<T> | undefined, config: string): Serde<T> | undefined {
  if (serde === undefined) return undefined;
  if (typeof serde !== 'object' || serde === null || typeof serde.serialize !== 'function' || typeof serde.deserialize !== 'function') {
    throw invalid(config, serde, 'must be a Serde with serialize() and deserialize()');
  }
  return serde;
}

/** Fills in defaults and validates; throws ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID. */
export function resolveConsumerOptions<K, V>(options: ConsumerOptions<K, V> = {}): ResolvedConsumerOptions<K, V> {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown consumer option ${name}`, { config: name });
  }
  const autoOffsetReset = options.autoOffsetReset ?? DEFAULT_CONSUMER_OPTIONS.autoOffsetReset;
  if (!RESET_POLICIES.includes(autoOffsetReset)) throw invalid('autoOffsetReset', autoOffsetReset, "must be 'earliest', 'latest' or 'none'");
  const maxBytes = options.maxBytes ?? DEFAULT_CONSUMER_OPTIONS.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalid('maxBytes', maxBytes, 'must be an integer >= 1');
  return {
    autoOffsetReset,
    maxBytes,
    keySerde: checkSerde(options.keySerde, 'keySerde'),
    valueSerde: checkSerde(options.valueSerde, 'valueSerde'),
  };
}

function resolvePollOptions(options: PollOptions): Required<PollOptions> {
  const maxRecords = options.maxRecords ?? DEFAULT_POLL_OPTIONS.maxRecords;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw invalid('maxRecords', maxRecords, 'must be an integer >= 1');
  const timeoutMs = options.timeoutMs ?? DEFAULT_POLL_OPTIONS.timeoutMs;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) throw invalid('timeoutMs', timeoutMs, 'must be a number >= 0');
  return { maxRecords, timeoutMs };
}

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** One assigned partition: its position, the decoded records not yet returned, its data waiter. */
class PartitionState {
  position: number | null = null;
  /** Decoded records at or after `position`, in offset order; `buffered[next]` is returned next. */
  buffered: RawRecord[] = [];
  next = 0;
  /** Where the position goes once the buffer is drained: past the last batch decoded. */
  bufferEnd = 0;
  /** Offset of the outstanding waitForData() call, or null when none is outstanding. */
  waitingAt: number | null = null;

  constructor(readonly topic: string, readonly partition: number, readonly log: PartitionLogAccess) {}

  clearBuffer(): void {
    this.buffered = [];
    this.next = 0;
  }
}

export class Consumer<K = Buffer | null, V = Buffer | null> {
  readonly options: ResolvedConsumerOptions<K, V>;
  /** No serdes: decoded records are handed out as they are. */
  private readonly rawOnly: boolean;
  private states: PartitionState[] = [];
  private readonly byKey = new Map<string, PartitionState>();
  /** Round-robin cursor: index in `states` where the next poll starts. */
  private nextIndex = 0;
  /** Wakers of pending polls; called on data, close, assignment or position changes. */
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private readonly waiterAbort = new AbortController();

  constructor(private readonly log: LogAccess, options: ConsumerOptions<K, V> = {}) {
    this.options = resolveConsumerOptions(options);
    this.rawOnly = this.options.keySerde === undefined && this.options.valueSerde === undefined;
  }

  /** Replaces the assignment. Partitions kept from the previous assignment keep their positions. */
  assign(tps: readonly TopicPartition[]): void {
    this.checkOpen();
    const states: PartitionState[] = [];
    const byKey = new Map<string, PartitionState>();
    for (const { topic, partition } of tps) {
      const key = tpKey(topic, partition);
      if (byKey.has(key)) continue;
      const state = this.byKey.get(key) ?? new PartitionState(topic, partition, this.log.partitionLog(topic, partition));
      states.push(state);
      byKey.set(key, state);
    }
    this.states = states;
    this.byKey.clear();
    for (const [key, state] of byKey) this.byKey.set(key, state);
    this.nextIndex = 0;
    this.wake();
  }

  assignment(): TopicPartition[] {
    return this.states.map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Sets the position of an assigned partition; an out-of-range offset is handled at the next poll. */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot seek to ${String(offset)}`, { topic, partition, offset });
    }
    this.setPosition(this.stateOf({ topic, partition }), offset);
    this.wake();
  }

  seekToBeginning(tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) this.setPosition(state, state.log.logStartOffset());
    this.wake();
  }

  seekToEnd(tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) this.setPosition(state, state.log.logEndOffset());
    this.wake();
  }

  /** Moves to the first record with a timestamp >= `timestamp`; to the log end when there is none. */
  seekToTimestamp(timestamp: number, tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) {
      this.setPosition(state, state.log.offsetForTimestamp(timestamp) ?? state.log.logEndOffset());
    }
    this.wake();
  }

  /** The offset of the next record poll() returns for `tp`, resolving a missing position first. */
  position(tp: TopicPartition): number {
    this.checkOpen();
    return this.ensurePosition(this.stateOf(tp));
  }

  /**
   * Returns the records available now (up to `maxRecords`), or waits up to `timeoutMs` for some.
   * Resolves with [] on timeout or when the consumer is closed meanwhile.
   */
  poll(options: PollOptions = {}): Promise<Array<ConsumerRecord<K, V>>> {
    return this.pollUntil(options, null);
  }

  /** Yields records until the consumer is closed. Breaking out early loses nothing. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    while (!this.closed) {
      const records = await this.poll({ timeoutMs: Infinity });
      let delivered = 0;
      try {
        while (delivered < records.length && !this.closed) {
          const record = records[delivered]!;
          delivered++;
          yield record;
        }
      } finally {
        if (delivered < records.length) this.rewind(records, delivered);
      }
    }
  }

  /**
   * Tails the assigned partitions as an Observable. Unsubscribing stops reading (records fetched but
   * not delivered are put back); closing the consumer completes it; a read error errors it.
   */
  observe(options: Pick<PollOptions, 'maxRecords'> = {}): Observable<ConsumerRecord<K, V>> {
    return new Observable<ConsumerRecord<K, V>>((subscriber) => {
      const controller = new AbortController();
      const { signal } = controller;
      const run = async (): Promise<void> => {
        while (!signal.aborted && !this.closed) {
          const records = await this.pollUntil({ maxRecords: options.maxRecords, timeoutMs: Infinity }, signal);
          for (let i = 0; i < records.length; i++) {
            if (signal.aborted || this.closed) {
              this.rewind(records, i);
              return;
            }
            subscriber.next(records[i]!);
          }
        }
        subscriber.complete();
      };
      run().catch((err: unknown) => subscriber.error(err));
      return () => controller.abort();
    });
  }

  /** Stops the consumer: pending polls resolve with [], iterators end, observables complete. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    // Drop this consumer's waiters from the logs, or they would stay until the next append.
    this.waiterAbort.abort();
    this.wake();
  }

  private async pollUntil(options: PollOptions, signal: AbortSignal | null): Promise<Array<ConsumerRecord<K, V>>> {
    const { maxRecords, timeoutMs } = resolvePollOptions(options);
    if (this.closed) throw new EddyError('ERR_CONSUMER_CLOSED');
    let timedOut = false;
    let timer: Timer | null = null;
    let onAbort: (() => void) | null = null;
    try {
      for (;;) {
        if (this.closed || signal?.aborted === true) return [];
        const records = this.fetchRecords(maxRecords);
        if (records.length > 0 || timedOut || timeoutMs === 0) return records;
        await new Promise<void>((resolve) => {
          this.wakers.add(resolve);
          if (timer === null && Number.isFinite(timeoutMs)) {
            timer = this.log.clock.setTimer(timeoutMs, () => {
              timedOut = true;
              this.wake();
            });
          }
          if (signal !== null && onAbort === null) {
            onAbort = () => this.wake();
            signal.addEventListener('abort', onAbort, { once: true });
          }
          this.armWaiters();
        });
      }
    } finally {
      (timer as Timer | null)?.cancel();
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort);
    }
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  /**
   * Makes sure a waitForData() call is outstanding at or below every partition's position. One that
   * is already outstanding at a lower offset is kept: it fires no later than needed (a spurious wake
   * just re-reads), and reusing it keeps the log's waiter list from growing with every timed-out poll.
   */
  private armWaiters(): void {
    for (const state of this.states) {
      const position = state.position;
      if (position === null || (state.waitingAt !== null && state.waitingAt <= position)) continue;
      const offset = position;
      state.waitingAt = offset;
      const done = (): void => {
        if (state.waitingAt === offset) state.waitingAt = null;
        this.wake();
      };
      state.log.waitForData(offset, this.waiterAbort.signal).then(done, done);
    }
  }

  /** One pass over the assignment, starting at the round-robin cursor. */
  private fetchRecords(maxRecords: number): Array<ConsumerRecord<K, V>> {
    const out: Array<ConsumerRecord<K, V>> = [];
    const n = this.states.length;
    let lastContributor = -1;
    for (let k = 0; k < n && out.length < maxRecords; k++) {
      const index = (this.nextIndex + k) % n;
      const state = this.states[index]!;
      const before = out.length;
      try {
        this.fetchFrom(state, out, maxRecords);
      } catch (err) {
        if (out.length === 0) {
          this.nextIndex = (index + 1) % n;
          throw err;
        }
        // Return what we have; the next poll starts here and raises the error.
        this.nextIndex = index;
        return out;
      }
      if (out.length > before) lastContributor = index;
    }
    if (lastContributor >= 0) this.nextIndex = (lastContributor + 1) % n;
    return out;
  }

  /** Moves buffered records of one partition into `out`, reading from the log when the buffer is empty. */
  private fetchFrom(state: PartitionState, out: Array<ConsumerRecord<K, V>>, maxRecords: number): void {
    if (state.next >= state.buffered.length) this.readInto(state);
    const { buffered } = state;
    while (out.length < maxRecords && state.next < buffered.length) {
      const record = buffered[state.next]!;
      out.push(this.rawOnly ? (record as ConsumerRecord<K, V>) : this.toConsumerRecord(state, record));
      state.next++;
      state.position = record.offset + 1;
    }
    if (state.next >= buffered.length) {
      state.clearBuffer();
      state.position = Math.max(state.position ?? 0, state.bufferEnd);
    }
  }

  /** Reads and decodes the batches at the partition's position into its buffer. */
  private readInto(state: PartitionState): void {
    const position = this.ensurePosition(state);
    let result;
    try {
      result = state.log.read(position, this.options.maxBytes);
    } catch (err) {
      if (!isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE')) throw err;
      this.reset(state, err);
      result = state.log.read(state.position!, this.options.maxBytes);
    }
    const from = state.position!;
    const { bytes } = result;
    if (bytes.length === 0) return;

    const records: RawRecord[] = [];
    const { topic, partition } = state;
    let end = from;
    let sawBatch = false;
    try {
      for (const { position: pos, size, header } of batchesIn(bytes, 0)) {
        sawBatch = true;
        const batchEnd = header.baseOffset + header.lastOffsetDelta + 1;
        if (batchEnd <= from) continue;
        // batchesIn checks framing only; the CRC is checked here, control batches included.
        verifyBatch(bytes, pos, size);
        if (!batchIsControl(header.attributes)) {
          const timestampType = batchTimestampType(header.attributes);
          // Decoded straight into the consumer's record shape: no intermediate object per record.
          // Under LogAppendTime the decoder already reports maxTimestamp for every record.
          const make: RecordFactory<RawRecord> = (offset, timestamp, key, value, headers) => ({ topic, partition, offset, timestamp, timestampType, key, value, headers });
          for (const record of decodeRecords(bytes.subarray(pos, pos + size), header, make)) {
            if (record.offset < from) continue;
            records.push(record);
          }
        }
        end = Math.max(end, batchEnd);
      }
    } catch (err) {
      // Keep the records of the batches before the bad one; the next read starts at it and fails there.
      if (records.length === 0 && end === from) throw this.withPartition(err, state, from);
      sawBatch = true;
    }
    if (!sawBatch) {
      throw new EddyError('ERR_LOG_CORRUPT', `No whole batch in ${bytes.length} bytes read at offset ${from}`, {
        topic: state.topic,
        partition: state.partition,
        offset: from,
      });
    }
    state.buffered = records;
    state.next = 0;
    state.bufferEnd = end;
  }

  private toConsumerRecord(state: PartitionState, record: RawRecord): ConsumerRecord<K, V> {
    return {
      topic: state.topic,
      partition: state.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      timestampType: record.timestampType,
      key: this.deserialize(this.options.keySerde, record.key, 'key', state, record.offset),
      value: this.deserialize(this.options.valueSerde, record.value, 'value', state, record.offset),
      headers: record.headers,
    };
  }

  private deserialize<T>(serde: Serde<T> | undefined, bytes: Buffer | null, what: string, state: PartitionState, offset: number): T {
    if (serde === undefined) return bytes as T;
    try {
      return serde.deserialize(bytes);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new EddyError('ERR_SERDE_FAILED', `Cannot deserialize the ${what} at ${state.topic}-${state.partition}@${offset}: ${reason}`, {
        topic: state.topic,
        partition: state.partition,
        offset,
        what,
      }, { cause: err });
    }
  }

  private withPartition(err: unknown, state: PartitionState, offset: number): unknown {
    if (isEddyError(err)) {
      err.context.topic ??= state.topic;
      err.context.partition ??= state.partition;
      err.context.offset ??= offset;
    }
    return err;
  }

  private ensurePosition(state: PartitionState): number {
    if (state.position === null) this.reset(state, null);
    return state.position!;
  }

  /** Applies autoOffsetReset; with 'none' raises `cause` (or a no-position error). */
  private reset(state: PartitionState, cause: EddyError | null): void {
    switch (this.options.autoOffsetReset) {
      case 'earliest':
        this.setPosition(state, state.log.logStartOffset());
        return;
      case 'latest':
        this.setPosition(state, state.log.logEndOffset());
        return;
      case 'none':
        throw cause ?? new EddyError('ERR_OFFSET_OUT_OF_RANGE', `${state.topic}-${state.partition} has no position and autoOffsetReset is 'none'`, {
          topic: state.topic,
          partition: state.partition,
        });
    }
  }

  private setPosition(state: PartitionState, offset: number): void {
    state.position = offset;
    state.clearBuffer();
    state.bufferEnd = offset;
  }

  /** Puts positions back to the first of `records[from..]` per partition (fetched, never delivered). */
  private rewind(records: ReadonlyArray<ConsumerRecord<K, V>>, from: number): void {
    const seen = new Set<PartitionState>();
    for (let i = from; i < records.length; i++) {
      const { topic, partition, offset } = records[i]!;
      const state = this.byKey.get(tpKey(topic, partition));
      if (state === undefined || seen.has(state)) continue;
      seen.add(state);
      if (state.position !== null && state.position > offset) this.setPosition(state, offset);
    }
  }

  private stateOf({ topic, partition }: TopicPartition): PartitionState {
    const state = this.byKey.get(tpKey(topic, partition));
    if (state === undefined) throw new EddyError('ERR_CONSUMER_NOT_ASSIGNED', `${topic}-${partition} is not assigned to this consumer`, { topic, partition });
    return state;
  }

  private statesOf(tps: readonly TopicPartition[] | undefined): PartitionState[] {
    return tps === undefined ? this.states : tps.map((tp) => this.stateOf(tp));
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_CONSUMER_CLOSED');
  }
}
