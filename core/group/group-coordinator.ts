/**
 * The group coordinator: Kafka's classic group protocol as a state machine driven by requests
 * (protocol.ts) and by timers on the injected clock. It owns group membership and committed
 * offsets; it never computes assignments (the leader member does, see assignors/).
 *
 * This class is the coordinator's one entry point (for the in-process clients, the wire server's
 * handlers, the transaction coordinator and the admin API). Each concept lives in its own part,
 * and each part documents its semantics:
 *
 * - group-registry.ts: the groups by id and whether the coordinator is open, shared by every part;
 * - group-membership.ts: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, static and pending members;
 * - group-rebalancer.ts: the group states, rebalances, and the session and rebalance timers;
 * - group-fencing.ts: which requests come from a current member of the current generation;
 * - group-offsets.ts: OffsetCommit, OffsetFetch and the expiry of committed offsets;
 * - group-txn-offsets.ts: TxnOffsetCommit and the end of transactions, for the transaction
 *   coordinator;
 * - group-admin-views.ts: ListGroups, DescribeGroups, DeleteGroups.
 *
 * The parts get what they need from here by constructor injection; they share no private state.
 */
import type { Clock } from '../clock.js';
import type { EddyError } from '../errors.js';
import { GroupAdminViews } from './group-admin-views.js';
import type { ResolvedGroupConfig } from './group-config.js';
import { GroupMembership } from './group-membership.js';
import { GroupOffsets, type OffsetsToCommit } from './group-offsets.js';
import { GroupRebalancer } from './group-rebalancer.js';
import { GroupRegistry } from './group-registry.js';
import { GroupTxnOffsets, type TxnCommitMember } from './group-txn-offsets.js';
import type { OffsetStore } from './offset-store.js';
import type {
  CommittedOffset,
  GroupDescription,
  GroupState,
  GroupSummary,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
  SyncGroupResponse,
} from './protocol.js';

export { validateGroupId } from './group-registry.js';
export type { OffsetsToCommit } from './group-offsets.js';
export type { TxnCommitMember } from './group-txn-offsets.js';

export interface GroupCoordinatorDeps {
  clock: Clock;
  store: OffsetStore;
  config: ResolvedGroupConfig;
  /** Whether a topic exists (offsets of deleted topics expire). */
  topicExists(topic: string): boolean;
  onError(err: EddyError): void;
}

export class GroupCoordinator {
  private readonly registry: GroupRegistry;
  private readonly rebalancer: GroupRebalancer;
  private readonly membership: GroupMembership;
  private readonly offsets: GroupOffsets;
  private readonly txnOffsets: GroupTxnOffsets;
  private readonly adminViews: GroupAdminViews;

  constructor(private readonly deps: GroupCoordinatorDeps) {
    const { clock, store, config } = deps;
    this.registry = new GroupRegistry(clock);
    this.rebalancer = new GroupRebalancer({ clock, registry: this.registry, initialRebalanceDelayMs: config.initialRebalanceDelayMs });
    this.membership = new GroupMembership({ config, registry: this.registry, rebalancer: this.rebalancer });
    this.offsets = new GroupOffsets({
      clock,
      store,
      config,
      registry: this.registry,
      rebalancer: this.rebalancer,
      topicExists: (topic) => deps.topicExists(topic),
      onError: (err) => deps.onError(err),
    });
    this.txnOffsets = new GroupTxnOffsets({ clock, store, registry: this.registry });
    this.adminViews = new GroupAdminViews({ registry: this.registry, offsets: this.offsets });
  }

  /**
   * Loads committed offsets from __consumer_offsets and starts the expiry timer. Offsets of
   * transactions without a marker yet stay pending: the transaction coordinator's recovery ends
   * those transactions and reports each through `completeTransaction()`.
   */
  load(): void {
    const now = this.deps.clock.now();
    const { committed, pending } = this.deps.store.load();
    this.offsets.loadCommitted(committed, now);
    this.txnOffsets.loadPending(pending);
    this.offsets.scheduleExpiry();
  }

  /** Fails every waiting and later request with ERR_LOG_CLOSED and cancels every timer. */
  close(): void {
    this.registry.close();
    this.offsets.close();
    this.rebalancer.close();
  }

  // ── Membership (group-membership.ts) ─────────────────────────────────────────────────────────

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return this.membership.joinGroup(request);
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return this.membership.syncGroup(request);
  }

  heartbeat(request: HeartbeatRequest): void {
    this.membership.heartbeat(request);
  }

  leaveGroup(request: LeaveGroupRequest): void {
    this.membership.leaveGroup(request);
  }

  // ── Committed offsets (group-offsets.ts) ─────────────────────────────────────────────────────

  offsetCommit(request: OffsetCommitRequest): Promise<void> {
    return this.offsets.offsetCommit(request);
  }

  offsetFetch(request: OffsetFetchRequest): CommittedOffset[] {
    return this.offsets.offsetFetch(request);
  }

  /** One expiry pass (see group-offsets.ts); resolves with the number of offsets expired. */
  expireOffsets(): Promise<number> {
    return this.offsets.expireOffsets();
  }

  // ── Transactional offsets, for the transaction coordinator (group-txn-offsets.ts) ────────────

  /** The __consumer_offsets partition of a group (Kafka's partitionFor); creates the topic on first use. */
  offsetsPartitionFor(groupId: string): number {
    return this.txnOffsets.offsetsPartitionFor(groupId);
  }

  /**
   * Writes offsets of `producerId`'s open transaction (the transaction coordinator has checked the
   * producer and that the group's partition is in its transaction). Resolves once they are fsynced;
   * they stay pending until `completeTransaction()`. A `member` is checked as KIP-447 asks.
   */
  txnOffsetCommit(groupId: string, producerId: number, producerEpoch: number, offsets: OffsetsToCommit, member?: TxnCommitMember): Promise<void> {
    return this.txnOffsets.txnOffsetCommit(groupId, producerId, producerEpoch, offsets, member);
  }

  /**
   * The transaction coordinator has written (and fsynced) `producerId`'s commit or abort marker to
   * __consumer_offsets partition `offsetsPartition`: its pending offsets of the groups there become
   * committed offsets or are dropped, as `load()` would find them after a restart.
   */
  completeTransaction(offsetsPartition: number, producerId: number, commit: boolean): void {
    this.txnOffsets.completeTransaction(offsetsPartition, producerId, commit);
  }

  /** Producers with pending transactional offsets, per __consumer_offsets partition (for recovery). */
  pendingTransactions(): Array<{ offsetsPartition: number; producerId: number }> {
    return this.txnOffsets.pendingTransactions();
  }

  /** Whether a transaction holds a pending offset of the group for the partition (OffsetFetch's requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    return this.txnOffsets.hasPendingTxnOffset(groupId, topic, partition);
  }

  // ── Admin (group-admin-views.ts) ─────────────────────────────────────────────────────────────

  /** Every group; a group that never had a member (offsets only) is listed with protocol type "consumer". */
  listGroups(): Array<{ groupId: string; state: GroupState; protocolType: string }> {
    return this.adminViews.listGroups();
  }

  /** Throws ERR_GROUP_NOT_FOUND for a group with neither members nor offsets. */
  describeGroup(groupId: string): GroupDescription {
    return this.adminViews.describeGroup(groupId);
  }

  /** Kafka's GroupSummary for DescribeGroups (bytes while Stable); null for a group that does not exist. */
  groupSummary(groupId: string): GroupSummary | null {
    return this.adminViews.groupSummary(groupId);
  }

  /** Deletes a group without members: tombstones for all its offsets. ERR_GROUP_NOT_EMPTY otherwise. */
  deleteGroup(groupId: string): Promise<void> {
    return this.adminViews.deleteGroup(groupId);
  }

  /** Number of active members (0 for an unknown group). */
  memberCount(groupId: string): number {
    return this.adminViews.memberCount(groupId);
  }
}
