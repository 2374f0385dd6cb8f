/**
 * Committed offsets of the group coordinator: OffsetCommit, OffsetFetch, their expiry, and loading
 * them from __consumer_offsets (offset-store.ts) at open.
 *
 * - OffsetCommit resolves after the record is fsynced in __consumer_offsets; the cache the fetches
 *   read is updated only then. A commit naming a member is fenced (group-fencing.ts) and refreshes
 *   the member's session. Commits are accepted while PreparingRebalance (a member commits in its
 *   revoke listener before it rejoins) and refused while CompletingRebalance, as in Kafka.
 * - Expiry (offsets.retention.minutes): an offset of a group that has been Empty that long and was
 *   committed at least that long ago; in other groups, offsets of topics that no longer exist or
 *   that no member subscribes to, that long after their commit. An offset a transaction holds
 *   pending does not expire. Expired offsets get tombstones, and an Empty group left without
 *   offsets disappears. After a restart a group's "Empty since" is its newest commit time
 *   (membership itself is not persisted: members live in the owning process).
 */
import type { Clock, Timer } from '../clock.js';
import { EddyError } from '../errors.js';
import { tpKey } from './assignors/assignor.js';
import type { ResolvedGroupConfig } from './group-config.js';
import { currentMember } from './group-fencing.js';
import { Group } from './group-model.js';
import type { GroupRebalancer } from './group-rebalancer.js';
import { groupError, isGone, validateGroupId, type GroupRegistry } from './group-registry.js';
import type { LoadedOffsets, OffsetEntry, OffsetStore } from './offset-store.js';
import type { CommittedOffset, OffsetCommitRequest, OffsetFetchRequest } from './protocol.js';

/** Offsets of an OffsetCommit or TxnOffsetCommit. */
export type OffsetsToCommit = ReadonlyArray<{ topic: string; partition: number; offset: number; metadata?: string | null }>;

export function validateOffsets(groupId: string, offsets: OffsetsToCommit): void {
  if (!Array.isArray(offsets)) throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', 'Offsets to commit must be an array', { group: groupId });
  for (const o of offsets) {
    if (!Number.isSafeInteger(o.offset) || o.offset < 0 || !Number.isSafeInteger(o.partition) || o.partition < 0 || typeof o.topic !== 'string') {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot commit offset ${String(o.offset)} for ${String(o.topic)}-${String(o.partition)}`, { group: groupId, topic: o.topic, partition: o.partition, offset: o.offset });
    }
  }
}

/** The store's entries for offsets committed at `now`. */
export function toEntries(offsets: OffsetsToCommit, now: number): OffsetEntry[] {
  return offsets.map((o) => ({ topic: o.topic, partition: o.partition, value: { offset: o.offset, metadata: o.metadata ?? '', commitTimestamp: now } }));
}

export interface GroupOffsetsDeps {
  clock: Clock;
  store: OffsetStore;
  config: ResolvedGroupConfig;
  registry: GroupRegistry;
  /** Refreshes the session of a member that commits. */
  rebalancer: Pick<GroupRebalancer, 'scheduleSession'>;
  /** Whether a topic exists (offsets of deleted topics expire). */
  topicExists(topic: string): boolean;
  onError(err: EddyError): void;
}

export class GroupOffsets {
  private expiryTimer: Timer | null = null;

  constructor(private readonly deps: GroupOffsetsDeps) {}

  /** Caches the committed offsets loaded from the store; each group is Empty since its newest commit. */
  loadCommitted(committed: LoadedOffsets, now: number): void {
    for (const [groupId, offsets] of committed) {
      const group = new Group(groupId, now);
      let newest = 0;
      for (const [key, entry] of offsets) {
        group.offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, seq: entry.logOffset });
        newest = Math.max(newest, entry.value.commitTimestamp);
      }
      group.stateSince = newest;
      this.deps.registry.add(group);
    }
  }

  /** Runs `expireOffsets()` every offsets.retention.check.interval.ms until the coordinator closes. */
  scheduleExpiry(): void {
    if (this.deps.registry.isClosed) return;
    this.expiryTimer = this.deps.clock.setTimer(this.deps.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets().catch((err: unknown) => this.deps.onError(err instanceof EddyError ? err : new EddyError('ERR_STORAGE_IO', String(err))));
      this.scheduleExpiry();
    });
  }

  close(): void {
    this.expiryTimer?.cancel();
  }

  async offsetCommit(request: OffsetCommitRequest): Promise<void> {
    const { registry } = this.deps;
    registry.checkOpen();
    validateGroupId(request.groupId);
    validateOffsets(request.groupId, request.offsets);
    let group = registry.get(request.groupId);
    if (request.generationId < 0 && request.memberId === '') {
      if (group !== undefined && group.members.size > 0) {
        throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId, `Group "${request.groupId}" has active members; only they can commit`);
      }
    } else {
      if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId, `Group "${request.groupId}" has no members`);
      const member = currentMember(group, request.memberId, request.generationId, request.groupInstanceId);
      if (group.state === 'CompletingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
      this.deps.rebalancer.scheduleSession(group, member);
    }
    group ??= registry.groupFor(request.groupId);
    await this.writeOffsets(group, toEntries(request.offsets, this.deps.clock.now()));
  }

  offsetFetch(request: OffsetFetchRequest): CommittedOffset[] {
    this.deps.registry.checkOpen();
    validateGroupId(request.groupId);
    const group = this.deps.registry.get(request.groupId);
    if (request.memberId !== undefined && request.memberId !== '' && request.generationId !== undefined && request.generationId >= 0) {
      if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId);
      currentMember(group, request.memberId, request.generationId);
    }
    const toResult = (topic: string, partition: number): CommittedOffset => {
      const cached = group?.offsets.get(tpKey({ topic, partition }));
      return cached === undefined
        ? { topic, partition, offset: -1, metadata: '', commitTimestamp: -1 }
        : { topic, partition, offset: cached.value.offset, metadata: cached.value.metadata, commitTimestamp: cached.value.commitTimestamp };
    };
    if (request.partitions !== null) return request.partitions.map((tp) => toResult(tp.topic, tp.partition));
    return [...(group?.offsets.values() ?? [])]
      .map((c) => toResult(c.topic, c.partition))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /** Tombstones for every committed offset of the group (DeleteGroups). */
  deleteAll(group: Group): Promise<void> {
    return this.writeOffsets(group, [...group.offsets.values()].map((c) => ({ topic: c.topic, partition: c.partition, value: null })));
  }

  /** One expiry pass (see the file comment); resolves with the number of offsets expired. */
  async expireOffsets(): Promise<number> {
    const { registry } = this.deps;
    if (registry.isClosed) return 0;
    const now = this.deps.clock.now();
    const retention = this.deps.config.offsetsRetentionMs;
    let expired = 0;
    for (const group of [...registry.values()]) {
      const subscribed = new Set<string>();
      for (const m of group.members.values()) for (const p of m.protocols) for (const t of p.metadata.topics) subscribed.add(t);
      const doomed: OffsetEntry[] = [];
      const pendingKeys = new Set<string>();
      for (const entries of group.pendingTxnOffsets.values()) for (const key of entries.keys()) pendingKeys.add(key);
      for (const [key, c] of group.offsets) {
        if (pendingKeys.has(key)) continue;
        const emptyLongEnough = group.state === 'Empty' && now - Math.max(group.stateSince, c.value.commitTimestamp) >= retention;
        const orphan = (!this.deps.topicExists(c.topic) || (group.members.size > 0 && !subscribed.has(c.topic))) && now - c.value.commitTimestamp >= retention;
        if (emptyLongEnough || orphan) doomed.push({ topic: c.topic, partition: c.partition, value: null });
      }
      if (doomed.length > 0) {
        await this.writeOffsets(group, doomed);
        expired += doomed.length;
      }
      if (group.state === 'Empty' && isGone(group)) registry.delete(group.groupId);
    }
    return expired;
  }

  /** Writes the entries and, once they are fsynced, updates the cache where no later record already did. */
  private async writeOffsets(group: Group, entries: OffsetEntry[]): Promise<void> {
    const seq = await this.deps.store.write(group.groupId, entries);
    for (const entry of entries) {
      const key = tpKey(entry);
      const current = group.offsets.get(key);
      if (current !== undefined && current.seq > seq) continue;
      if (entry.value === null) group.offsets.delete(key);
      else group.offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, seq });
    }
  }
}
