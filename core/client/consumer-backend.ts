/**
 * What the one consumer (consumer.ts) needs from where its records come from: the embedded log
 * (log-fetcher.ts) or a Kafka broker over the wire (core/remote/wire-fetcher.ts). Kafka's consumer
 * keeps its logic above a Fetcher and a NetworkClient the same way.
 *
 * The consumer keeps what is the same on both: the assignment, positions and buffers, the round-robin
 * hand-out, serdes, the poll loop with its timer and wake-ups, the iterator, observe(), commit
 * bookkeeping and rebalances (group-session.ts, core/group/group-member.ts). Everything the two do
 * differently lives behind this interface:
 *
 * - when a seek to the beginning, the end or a timestamp is looked up (at once on the log; at the
 *   next poll or position() over the wire, as Kafka's Java client does), and whether position() and
 *   currentLag() answer with a number or a promise (`Offset`);
 * - how records get into a partition's buffer: a synchronous read of the log inside the hand-out
 *   pass, or Fetch rounds in flight that fill the buffers in the background;
 * - what a poll waits on when there is nothing to hand out: the log's data waiters, or the Fetch
 *   round it started;
 * - whose clock counts (the log's, a ManualClock in tests; the system clock over the wire), and how
 *   the group coordinator is reached.
 */
import type { Clock } from '../clock.js';
import type { GroupChannel } from '../group/group-member.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import type { PartitionState } from './partition-state.js';
import type { TopicPartition } from './types.js';

/** Where a seek or autoOffsetReset goes. */
export type SeekTarget = 'earliest' | 'latest' | { timestamp: number };

/**
 * What a poll does after a pass found nothing to hand out: `stop` returns [] (time is up and nothing
 * more can come in it); `wait` waits to be woken (data, a position change, the timer); `fetching`
 * waits too, for a fetch this call started.
 */
export type FetchStep = 'stop' | 'wait' | 'fetching';

/** What a backend may ask of its consumer. */
export interface ConsumerBackendHost {
  /** Wakes waiting polls (data arrived, a fetch round ended). */
  wake(): void;
  /** The consumer is in a group: a partition whose topic is gone is dropped (and the member rejoins), not an error. */
  isSubscribed(): boolean;
  /** Drops partitions whose topic is gone from a group member's assignment; the member rejoins. */
  dropPartitions(tps: readonly TopicPartition[]): void;
  /** The state is the consumer's current one for its partition (not unassigned since). */
  isAssigned(state: PartitionState): boolean;
}

/**
 * One backend of a consumer, for the partition states it creates (`S`). Calls that take states only
 * ever get states this backend created.
 */
export interface ConsumerBackend<S extends PartitionState, Offset extends number | Promise<number>> {
  /** The clock of poll timeouts, heartbeats and auto-commits. */
  readonly clock: Clock;
  /** The consumer's group coordinator; null without a groupId (or, embedded, without a coordinator). */
  readonly coordinator: GroupChannel | null;
  /** State for a newly assigned partition; throws when the backend knows at once that it cannot be read. */
  partition(topic: string, partition: number): S;
  /** seekToBeginning(), seekToEnd(), seekToTimestamp(). */
  seek(state: S, target: SeekTarget): void;
  /** The partition's position, resolving a missing one (autoOffsetReset) or a pending seek first. */
  position(state: S): Offset;
  /** The end (the LSO with read_committed, else the log end) minus the position; never below 0. */
  currentLag(state: S): Offset;
  /**
   * Before a hand-out pass: what must be settled before records can be handed out (positions to look
   * up, a failure of a past fetch to raise). Returns a promise only when there is something to wait for.
   */
  prepare(states: readonly S[]): void | Promise<void>;
  /**
   * Called in the hand-out pass before the partition's buffer is read: fills an empty buffer when
   * that can be done at once, or raises the error the partition stopped at.
   */
  fill(state: S): void;
  /**
   * After a pass that found nothing: starts getting more data, and tells the poll what to do.
   * `remainingMs` is what is left of the poll's timeout (0: the time is up); `fetchedThisPoll` says
   * that an earlier call of this poll answered `fetching`.
   */
  fetch(states: readonly S[], remainingMs: number, fetchedThisPoll: boolean): FetchStep;
  /** The consumer is closing or crashing: nothing more is waited for. */
  stop(): void;
  /** After the group is left: releases what the backend holds. */
  close(): Promise<void>;
}

/** Builds a consumer's backend from its resolved options; `host` is the consumer. */
export type ConsumerBackendFactory<S extends PartitionState, Offset extends number | Promise<number>> = (
  options: ResolvedConsumerOptions<unknown, unknown>,
  host: ConsumerBackendHost,
) => ConsumerBackend<S, Offset>;
