/**
 * The embedded consumer's backend: partitions read straight from the log (LogAccess), synchronously,
 * inside the consumer's hand-out pass. Seeks and autoOffsetReset are resolved at once, so position()
 * and currentLag() return numbers; a poll with nothing to return waits on the logs' waitForData()
 * (armed once per partition, however many polls time out) and on the log's clock; the group
 * coordinator is the Eddy's own, in-process.
 *
 * Hot path (consumer.ts's takeFrom → fill): one read and one decode per batch run, straight into the
 * consumer's record shape; no promise, timer or waiter per read.
 */
import type { Clock } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import type { ConsumerBackend, ConsumerBackendHost, FetchStep, SeekTarget } from './consumer-backend.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import { type ConsumerGroupContext, InProcessGroupChannel } from './in-process-group-channel.js';
import type { LogAccess, PartitionLogAccess, ReadResult } from './log-access.js';
import { decodeFetched, noPositionError, PartitionState } from './partition-state.js';

/**
 * Reads one pass may make on a partition whose reads hold nothing to return (aborted transactions,
 * markers) before it moves on; bounded so a long aborted run cannot stall the event loop. The rest is
 * read by the next pass (the partition's waiter fires at once: data is there).
 */
const MAX_EMPTY_READS = 16;

/** A partition read from the embedded log. */
export class LogPartition extends PartitionState {
  /** Offset of the outstanding waitForData() call, or null when none is outstanding. */
  waitingAt: number | null = null;

  constructor(topic: string, partition: number, readonly log: PartitionLogAccess) {
    super(topic, partition);
  }
}

export class LogFetcher implements ConsumerBackend<LogPartition, number> {
  readonly clock: Clock;
  readonly coordinator: InProcessGroupChannel | null;
  /** Drops this consumer's waiters from the logs on close, or they would stay until the next append. */
  private readonly waiterAbort = new AbortController();

  constructor(
    private readonly log: LogAccess,
    private readonly options: ResolvedConsumerOptions<unknown, unknown>,
    private readonly host: ConsumerBackendHost,
    group: ConsumerGroupContext | null,
  ) {
    this.clock = log.clock;
    this.coordinator = group === null || options.groupId === undefined ? null : new InProcessGroupChannel(group, options.groupId);
  }

  /** Throws ERR_TOPIC_NOT_FOUND / ERR_PARTITION_NOT_FOUND at once. */
  partition(topic: string, partition: number): LogPartition {
    return new LogPartition(topic, partition, this.log.partitionLog(topic, partition));
  }

  seek(state: LogPartition, target: SeekTarget): void {
    state.moveTo(this.offsetOf(state, target));
  }

  position(state: LogPartition): number {
    return this.ensurePosition(state);
  }

  currentLag(state: LogPartition): number {
    return Math.max(0, this.endOf(state) - this.ensurePosition(state));
  }

  /**
   * A group member whose subscribed topic was deleted (or deleted and created again) stops reading
   * those partitions and rejoins: the next assignment no longer has them. The application sees no
   * error. Nothing to wait for: reads happen in fill().
   */
  prepare(states: readonly LogPartition[]): undefined {
    if (!this.host.isSubscribed()) return undefined;
    const gone = states.filter((state) => {
      try {
        return state.log !== this.log.partitionLog(state.topic, state.partition);
      } catch {
        return true;
      }
    });
    if (gone.length > 0) this.host.dropPartitions(gone);
    return undefined;
  }

  /** Reads from the log when the buffer is empty; a read may hold nothing to return but still move the position (markers, aborted batches): read on. */
  fill(state: LogPartition): void {
    for (let reads = 0; state.next >= state.buffered.length && reads < MAX_EMPTY_READS; reads++) {
      const before = state.position;
      this.readInto(state);
      if (state.buffered.length > 0) break;
      state.skipTo(state.bufferEnd);
      if (state.position === before) break;
    }
  }

  /** Reads are synchronous, so the pass just made was this poll's fetch: wait for data unless the time is up. */
  fetch(states: readonly LogPartition[], remainingMs: number): FetchStep {
    if (remainingMs <= 0) return 'stop';
    this.armWaiters(states);
    return 'wait';
  }

  stop(): void {
    this.waiterAbort.abort();
  }

  async close(): Promise<void> {
    // Nothing held beyond the waiters, dropped by stop().
  }

  /**
   * Makes sure a waitForData() call is outstanding at or below every partition's position. One that
   * is already outstanding at a lower offset is kept: it fires no later than needed (a spurious wake
   * just re-reads), and reusing it keeps the log's waiter list from growing with every timed-out poll.
   */
  private armWaiters(states: readonly LogPartition[]): void {
    for (const state of states) {
      const position = state.position;
      if (position === null || (state.waitingAt !== null && state.waitingAt <= position)) continue;
      const offset = position;
      state.waitingAt = offset;
      const done = (): void => {
        if (state.waitingAt === offset) state.waitingAt = null;
        this.host.wake();
      };
      state.log.waitForData(offset, this.waiterAbort.signal, this.options.isolationLevel).then(done, done);
    }
  }

  /** Reads and decodes the batches at the partition's position into its buffer. */
  private readInto(state: LogPartition): void {
    const position = this.ensurePosition(state);
    const committed = this.options.isolationLevel === 'read_committed';
    // The LSO falls on a batch boundary: reading only batches below it never splits a batch.
    const maxOffset = committed ? state.log.lastStableOffset() : undefined;
    let result: ReadResult;
    try {
      result = state.log.read(position, this.options.maxBytes, maxOffset);
    } catch (err) {
      if (!isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE')) throw err;
      this.reset(state, err);
      result = state.log.read(state.position!, this.options.maxBytes, maxOffset);
    }
    const from = state.position!;
    const { bytes, nextOffset } = result;
    if (bytes.length === 0) return;

    let decoded;
    try {
      const aborted = committed ? () => state.log.abortedTransactions(from, nextOffset) : null;
      decoded = decodeFetched(bytes, from, state.topic, state.partition, aborted);
    } catch (err) {
      throw withPartition(err, state, from);
    }
    const { records, end } = decoded;
    state.buffered = records;
    state.next = 0;
    state.bufferEnd = end;
  }

  private ensurePosition(state: LogPartition): number {
    if (state.position === null) this.reset(state, null);
    return state.position!;
  }

  /** Applies autoOffsetReset; with 'none' raises `cause` (or a no-position error). */
  private reset(state: LogPartition, cause: EddyError | null): void {
    const policy = this.options.autoOffsetReset;
    if (policy === 'none') throw cause ?? noPositionError(state);
    state.moveTo(this.offsetOf(state, policy));
  }

  private offsetOf(state: LogPartition, target: SeekTarget): number {
    if (target === 'earliest') return state.log.logStartOffset();
    const end = this.endOf(state);
    if (target === 'latest') return end;
    const found = state.log.offsetForTimestamp(target.timestamp);
    return found === null || found > end ? end : found;
  }

  /** Where 'latest' and seekToEnd() go, and what lag is measured against, for the isolation level. */
  private endOf(state: LogPartition): number {
    return this.options.isolationLevel === 'read_committed' ? state.log.lastStableOffset() : state.log.logEndOffset();
  }
}

function withPartition(err: unknown, state: PartitionState, offset: number): unknown {
  if (isEddyError(err)) {
    err.context.topic ??= state.topic;
    err.context.partition ??= state.partition;
    err.context.offset ??= offset;
  }
  return err;
}
