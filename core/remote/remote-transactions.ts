/**
 * A Kafka cluster's transaction coordinator as one producer sees it (the TransactionAccess the
 * embedded coordinator answers in-process): InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn through BrokerLink, each sent to the transactionalId's coordinator (the
 * group's for TxnOffsetCommit), looked up again when it moved and retried while the previous
 * transaction is still completing (CONCURRENT_TRANSACTIONS). Failures are EddyErrors (remote-errors.ts).
 *
 * - Kafka's transaction protocol v1 (EndTxn below v5, what the library speaks): a commit keeps the
 *   epoch, so sequence numbers go on in the next transaction. An abort is an InitProducerId naming the
 *   current producer id and epoch (KIP-360), which aborts the open transaction and bumps the epoch:
 *   whatever a failed send left behind, the next transaction starts at sequence 0, as after the
 *   embedded coordinator's bump at every EndTxn (KIP-890).
 * - A transaction nothing was added to ends without a request, as in Kafka's Java client (a
 *   coordinator refuses EndTxn for one it never saw): hence one instance per producer.
 */
import { addPartitionsToTxnV3, type Connection } from '@platformatic/kafka';
import type { ProducerIdAndEpoch, TransactionAccess, TransactionIdentity } from '../client/log-access.js';
import { EddyError, toSafeNumber, type ErrorContext } from '../errors.js';
import { COORDINATOR_MOVED, type BrokerLink } from './broker-link.js';
import { kafkaError, responseOf, toEddyError } from './remote-errors.js';

/** Kafka's CONCURRENT_TRANSACTIONS: the previous transaction is still being completed. */
const CONCURRENT_TRANSACTIONS = 51;
/** Kafka's OPERATION_NOT_ATTEMPTED: said of the partitions of a request another partition failed. */
const OPERATION_NOT_ATTEMPTED = 55;
/** How many times a call is made while its coordinator moves or is busy. */
const COORDINATOR_ATTEMPTS = 50;

type CoordinatorKey = ['group' | 'transaction', string];

interface InitProducerIdResponse {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

interface AddPartitionsToTxnResponse {
  errorCode?: number;
  resultsByTransaction: Array<{ topicResults: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }> }>;
}

interface TxnOffsetCommitResponse {
  topics: Array<{ partitions: Array<{ errorCode: number }> }>;
}

export class RemoteTransactions implements TransactionAccess {
  /** The producer's transactionalId, once initProducerId named one (Produce requests carry it). */
  transactionalId: string | null = null;
  private transactionTimeoutMs = 0;
  /** Something was added to the current transaction (or may have been: the call failed on the way). */
  private hasWork = false;

  constructor(
    private readonly link: BrokerLink,
    private readonly retryBackoffMs: number,
  ) {}

  async initProducerId(transactionalId: string | null, transactionTimeoutMs: number): Promise<ProducerIdAndEpoch> {
    this.transactionalId = transactionalId;
    this.transactionTimeoutMs = transactionTimeoutMs;
    const ids = await this.newProducerId(transactionalId, { producerId: -1, producerEpoch: -1 });
    this.hasWork = false;
    return ids;
  }

  /** InitProducerId: a new id (-1, -1), or the transactionalId's with its epoch bumped (KIP-360 when `current` names it). */
  private async newProducerId(transactionalId: string | null, current: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    const response = await this.call<InitProducerIdResponse>(
      transactionalId === null ? null : ['transaction', transactionalId],
      (connection) => this.link.request('InitProducerId', connection, transactionalId, this.transactionTimeoutMs, BigInt(current.producerId), current.producerEpoch),
      (r) => r.errorCode,
      { transactionalId },
    );
    return { producerId: toSafeNumber(response.producerId, 'producerId'), producerEpoch: response.producerEpoch };
  }

  async addPartitionsToTxn(txn: TransactionIdentity, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const topics = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      const list = topics.get(topic);
      if (list === undefined) topics.set(topic, [partition]);
      else list.push(partition);
    }
    const request = [{ ...wireIdentity(txn), verifyOnly: false, topics: [...topics].map(([name, indexes]) => ({ name, partitions: indexes })) }];
    this.hasWork = true;
    await this.call<AddPartitionsToTxnResponse>(
      ['transaction', txn.transactionalId],
      // v3, the clients' version: v4+ is the batched form brokers send the coordinator (KIP-890), which
      // Kafka refuses from clients.
      (connection) => addPartitionsToTxnV3.api.async(connection, request).catch((err: unknown) => {
        const response = responseOf<AddPartitionsToTxnResponse>(err);
        if (response === null) throw toEddyError(err, { transactionalId: txn.transactionalId });
        return response;
      }),
      (r) => firstError([r.errorCode ?? 0, ...r.resultsByTransaction.flatMap((t) => t.topicResults.flatMap((tr) => tr.resultsByPartition.map((p) => p.partitionErrorCode)))]),
      { transactionalId: txn.transactionalId },
    );
  }

  async addOffsetsToTxn(txn: TransactionIdentity, groupId: string): Promise<void> {
    this.hasWork = true;
    await this.transactionCall('AddOffsetsToTxn', txn, groupId);
  }

  async txnOffsetCommit(txn: TransactionIdentity, groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; metadata?: string | null }>): Promise<void> {
    const { transactionalId, producerId, producerEpoch } = wireIdentity(txn);
    const topics = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string }>>();
    for (const o of offsets) {
      if (!Number.isSafeInteger(o?.offset) || o.offset < 0) {
        throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot commit offset ${String(o?.offset)}`, { group: groupId, topic: o?.topic, partition: o?.partition });
      }
      let list = topics.get(o.topic);
      if (list === undefined) topics.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: o.metadata ?? '' });
    }
    const request = [...topics].map(([name, partitions]) => ({ name, partitions }));
    await this.call<TxnOffsetCommitResponse>(
      ['group', groupId],
      // No group generation or member id: the producer is not a group member (no KIP-447 fencing).
      (connection) => this.link.request('TxnOffsetCommit', connection, transactionalId, groupId, producerId, producerEpoch, -1, '', null, request),
      (r) => firstError(r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))),
      { transactionalId, group: groupId },
    );
  }

  async endTxn(txn: TransactionIdentity, commit: boolean): Promise<ProducerIdAndEpoch> {
    const current = { producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    if (!this.hasWork) return current;
    if (commit) await this.transactionCall('EndTxn', txn, true);
    const next = commit ? current : await this.newProducerId(txn.transactionalId, current);
    this.hasWork = false;
    return next;
  }

  /** AddOffsetsToTxn or EndTxn: the producer's identity and one more argument, one error code back. */
  private async transactionCall(api: 'AddOffsetsToTxn' | 'EndTxn', txn: TransactionIdentity, last: string | boolean): Promise<void> {
    const { transactionalId, producerId, producerEpoch } = wireIdentity(txn);
    await this.call<{ errorCode: number }>(
      ['transaction', transactionalId],
      (connection) => this.link.request(api, connection, transactionalId, producerId, producerEpoch, last),
      (r) => r.errorCode,
      typeof last === 'string' ? { transactionalId, group: last } : { transactionalId },
    );
  }

  /**
   * Makes a coordinator call (any broker's when `coordinator` is null) until it answers without an
   * error, or with one that is not about the coordinator being elsewhere or busy.
   */
  private async call<R>(coordinator: CoordinatorKey | null, send: (connection: Connection) => Promise<R>, errorOf: (response: R) => number, context: ErrorContext): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      let response: R;
      try {
        response = await send(coordinator === null ? await this.link.bootstrap() : await this.link.coordinator(...coordinator));
      } catch (err) {
        // The coordinator may be gone: the next call looks it up again.
        if (coordinator !== null) this.link.forgetCoordinator(...coordinator);
        throw err;
      }
      const code = errorOf(response);
      if (code === 0) return response;
      const moved = COORDINATOR_MOVED.has(code);
      if ((!moved && code !== CONCURRENT_TRANSACTIONS) || attempt >= COORDINATOR_ATTEMPTS) throw kafkaError(code, null, context);
      if (moved && coordinator !== null) this.link.forgetCoordinator(...coordinator);
      await new Promise((resolve) => setTimeout(resolve, Math.max(20, this.retryBackoffMs)));
    }
  }
}

function wireIdentity(txn: TransactionIdentity): { transactionalId: string; producerId: bigint; producerEpoch: number } {
  return { transactionalId: txn.transactionalId, producerId: BigInt(txn.producerId), producerEpoch: txn.producerEpoch };
}

/** The error code that says what went wrong: the first one that is not OPERATION_NOT_ATTEMPTED, else that, else 0. */
function firstError(codes: readonly number[]): number {
  return codes.find((c) => c !== 0 && c !== OPERATION_NOT_ATTEMPTED) ?? codes.find((c) => c !== 0) ?? 0;
}
