/**
 * What the group coordinator keeps per group and member: Kafka's group metadata (state, generation,
 * protocol, leader, members, static-member ids, fenced ids), the committed offsets the coordinator
 * serves fetches from and the offsets of open transactions. Plain data; every change is made by
 * the coordinator (the two methods on Group only keep its offset maps consistent).
 */
import type { TopicPartition } from '../client/types.js';
import type { Timer } from '../clock.js';
import type { OffsetAndMetadata } from './offset-commit-record.js';
import type { ConsumerSubscription, GroupState, JoinGroupResponse, SyncGroupResponse } from './protocol.js';

export interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * A protocol a member supports, with its subscription decoded (from a wire member's bytes when the
 * protocol type is "consumer"; empty otherwise or when they do not parse) and the bytes a wire member
 * sent (null for an in-process member).
 */
export interface MemberProtocol {
  name: string;
  metadata: ConsumerSubscription;
  rawMetadata: Uint8Array | null;
}

/** How a member speaks: its JoinGroup's protocol type, where it connects from, and whether it wants bytes. */
export interface MemberWireInfo {
  protocolType: string;
  clientHost: string;
  /** True for a wire client: it is given metadata and assignments as bytes. */
  wire: boolean;
}

export class Member {
  assignment: TopicPartition[] = [];
  /** The wire leader's assignment bytes for this member; null: derive them from `assignment`. */
  rawAssignment: Uint8Array | null = null;
  joinWaiter: Waiter<JoinGroupResponse> | null = null;
  syncWaiter: Waiter<SyncGroupResponse> | null = null;
  sessionTimer: Timer | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocols: MemberProtocol[],
    public info: MemberWireInfo,
  ) {}
}

export interface CachedOffset {
  topic: string;
  partition: number;
  value: OffsetAndMetadata;
  /**
   * Log offset of the record that set it in __consumer_offsets: a write whose record lies earlier in
   * the log (a slower concurrent commit, a transaction committed later) never overwrites it.
   */
  seq: number;
}

/** An offset of an open transaction; null deletes the key when the transaction commits. */
export interface PendingTxnOffset {
  topic: string;
  partition: number;
  value: OffsetAndMetadata | null;
  /** Log offset of its record, as in CachedOffset. */
  seq: number;
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolName: string | null = null;
  /** The protocol type of the members (Kafka's): null until a member joined. */
  protocolType: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out by MEMBER_ID_REQUIRED, not joined yet, each expiring after its session timeout. */
  readonly pendingMembers = new Map<string, Timer>();
  /** groupInstanceId → current memberId. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids replaced by a newer instance of the same static member. */
  readonly fenced = new Set<string>();
  rebalanceTimer: Timer | null = null;
  /**
   * While the first rebalance of an empty group is held back (group.initial.rebalance.delay.ms):
   * the time left of the rebalance timeout, and whether a new member joined in the current delay.
   */
  initialDelay: { remainingMs: number; newMemberAdded: boolean } | null = null;
  /** When the group last changed state (for Empty: since when it has had no members). */
  stateSince: number;
  readonly offsets = new Map<string, CachedOffset>();
  /**
   * Offsets written by TxnOffsetCommit, by producer id: invisible to fetches until the transaction
   * coordinator reports the producer's commit marker, dropped at its abort marker.
   */
  readonly pendingTxnOffsets = new Map<number, Map<string, PendingTxnOffset>>();

  constructor(readonly groupId: string, now: number) {
    this.stateSince = now;
  }

  addPendingTxnOffsets(producerId: number, entries: Iterable<[string, PendingTxnOffset]>): void {
    let mine = this.pendingTxnOffsets.get(producerId);
    if (mine === undefined) this.pendingTxnOffsets.set(producerId, (mine = new Map()));
    for (const [key, entry] of entries) mine.set(key, entry);
  }

  /**
   * The producer's transaction ended (Kafka's completePendingTxnOffsetCommit): on commit its offsets
   * become the committed ones, except where an offset recorded later in the log is already cached.
   */
  completePendingTxnOffsets(producerId: number, commit: boolean): void {
    const pending = this.pendingTxnOffsets.get(producerId);
    if (pending === undefined) return;
    this.pendingTxnOffsets.delete(producerId);
    if (!commit) return;
    for (const [key, entry] of pending) {
      const current = this.offsets.get(key);
      if (current !== undefined && current.seq > entry.seq) continue;
      if (entry.value === null) this.offsets.delete(key);
      else this.offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, seq: entry.seq });
    }
  }
}
