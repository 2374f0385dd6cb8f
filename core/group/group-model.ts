/**
 * What the group coordinator keeps per group and member: Kafka's group metadata (state, generation,
 * protocol, leader, members, static-member ids, fenced ids) and the committed offsets the
 * coordinator serves fetches from. Plain data; every change is made by the coordinator.
 */
import type { TopicPartition } from '../client/types.js';
import type { Timer } from '../clock.js';
import type { OffsetAndMetadata } from './offset-commit-record.js';
import type { GroupProtocol, GroupState, JoinGroupResponse, SyncGroupResponse } from './protocol.js';

export interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

export class Member {
  assignment: TopicPartition[] = [];
  joinWaiter: Waiter<JoinGroupResponse> | null = null;
  syncWaiter: Waiter<SyncGroupResponse> | null = null;
  sessionTimer: Timer | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocols: GroupProtocol[],
  ) {}
}

export interface CachedOffset {
  topic: string;
  partition: number;
  value: OffsetAndMetadata;
  /** Order of the write that produced it, so a slower earlier write never overwrites a later one. */
  seq: number;
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** groupInstanceId → current memberId. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids replaced by a newer instance of the same static member. */
  readonly fenced = new Set<string>();
  rebalanceTimer: Timer | null = null;
  /** When the group last changed state (for Empty: since when it has had no members). */
  stateSince: number;
  readonly offsets = new Map<string, CachedOffset>();
  writeSeq = 0;

  constructor(readonly groupId: string, now: number) {
    this.stateSince = now;
  }
}
