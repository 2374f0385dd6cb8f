/**
 * The message definitions the codec knows, and which request and response belong to which API
 * key. Adding an API means adding its two definitions here.
 */

import type { Message } from '../schema.js';
import { DeleteGroupsRequest } from './delete-groups-request.js';
import { DeleteGroupsResponse } from './delete-groups-response.js';
import { DescribeGroupsRequest } from './describe-groups-request.js';
import { DescribeGroupsResponse } from './describe-groups-response.js';
import { FindCoordinatorRequest } from './find-coordinator-request.js';
import { FindCoordinatorResponse } from './find-coordinator-response.js';
import { HeartbeatRequest } from './heartbeat-request.js';
import { HeartbeatResponse } from './heartbeat-response.js';
import { JoinGroupRequest } from './join-group-request.js';
import { JoinGroupResponse } from './join-group-response.js';
import { LeaveGroupRequest } from './leave-group-request.js';
import { LeaveGroupResponse } from './leave-group-response.js';
import { ListGroupsRequest } from './list-groups-request.js';
import { ListGroupsResponse } from './list-groups-response.js';
import { OffsetCommitRequest } from './offset-commit-request.js';
import { OffsetCommitResponse } from './offset-commit-response.js';
import { OffsetFetchRequest } from './offset-fetch-request.js';
import { OffsetFetchResponse } from './offset-fetch-response.js';
import { SyncGroupRequest } from './sync-group-request.js';
import { SyncGroupResponse } from './sync-group-response.js';
import { AddOffsetsToTxnRequest } from './add-offsets-to-txn-request.js';
import { AddOffsetsToTxnResponse } from './add-offsets-to-txn-response.js';
import { AddPartitionsToTxnRequest } from './add-partitions-to-txn-request.js';
import { AddPartitionsToTxnResponse } from './add-partitions-to-txn-response.js';
import { AlterConfigsRequest } from './alter-configs-request.js';
import { AlterConfigsResponse } from './alter-configs-response.js';
import { CreatePartitionsRequest } from './create-partitions-request.js';
import { CreatePartitionsResponse } from './create-partitions-response.js';
import { CreateTopicsRequest } from './create-topics-request.js';
import { CreateTopicsResponse } from './create-topics-response.js';
import { DeleteTopicsRequest } from './delete-topics-request.js';
import { DeleteTopicsResponse } from './delete-topics-response.js';
import { DescribeConfigsRequest } from './describe-configs-request.js';
import { DescribeConfigsResponse } from './describe-configs-response.js';
import { EndTxnRequest } from './end-txn-request.js';
import { EndTxnResponse } from './end-txn-response.js';
import { IncrementalAlterConfigsRequest } from './incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from './incremental-alter-configs-response.js';
import { InitProducerIdRequest } from './init-producer-id-request.js';
import { InitProducerIdResponse } from './init-producer-id-response.js';
import { SaslAuthenticateRequest } from './sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from './sasl-authenticate-response.js';
import { SaslHandshakeRequest } from './sasl-handshake-request.js';
import { SaslHandshakeResponse } from './sasl-handshake-response.js';
import { TxnOffsetCommitRequest } from './txn-offset-commit-request.js';
import { TxnOffsetCommitResponse } from './txn-offset-commit-response.js';
import { ApiVersionsRequest } from './api-versions-request.js';
import { ApiVersionsResponse } from './api-versions-response.js';
import { DeleteRecordsRequest } from './delete-records-request.js';
import { DeleteRecordsResponse } from './delete-records-response.js';
import { FetchRequest } from './fetch-request.js';
import { FetchResponse } from './fetch-response.js';
import { ListOffsetsRequest } from './list-offsets-request.js';
import { ListOffsetsResponse } from './list-offsets-response.js';
import { ProduceRequest } from './produce-request.js';
import { ProduceResponse } from './produce-response.js';
import { MetadataRequest } from './metadata-request.js';
import { MetadataResponse } from './metadata-response.js';

export { ApiVersionsRequest } from './api-versions-request.js';
export { ApiVersionsResponse } from './api-versions-response.js';
export { DeleteRecordsRequest } from './delete-records-request.js';
export { DeleteRecordsResponse } from './delete-records-response.js';
export { FetchRequest } from './fetch-request.js';
export { FetchResponse } from './fetch-response.js';
export { ListOffsetsRequest } from './list-offsets-request.js';
export { ListOffsetsResponse } from './list-offsets-response.js';
export { ProduceRequest } from './produce-request.js';
export { ProduceResponse } from './produce-response.js';
export { MetadataRequest } from './metadata-request.js';
export { MetadataResponse } from './metadata-response.js';
export { AddOffsetsToTxnRequest } from './add-offsets-to-txn-request.js';
export { AddOffsetsToTxnResponse } from './add-offsets-to-txn-response.js';
export { AddPartitionsToTxnRequest } from './add-partitions-to-txn-request.js';
export { AddPartitionsToTxnResponse } from './add-partitions-to-txn-response.js';
export { AlterConfigsRequest } from './alter-configs-request.js';
export { AlterConfigsResponse } from './alter-configs-response.js';
export { CreatePartitionsRequest } from './create-partitions-request.js';
export { CreatePartitionsResponse } from './create-partitions-response.js';
export { CreateTopicsRequest } from './create-topics-request.js';
export { CreateTopicsResponse } from './create-topics-response.js';
export { DeleteTopicsRequest } from './delete-topics-request.js';
export { DeleteTopicsResponse } from './delete-topics-response.js';
export { DescribeConfigsRequest } from './describe-configs-request.js';
export { DescribeConfigsResponse } from './describe-configs-response.js';
export { EndTxnRequest } from './end-txn-request.js';
export { EndTxnResponse } from './end-txn-response.js';
export { IncrementalAlterConfigsRequest } from './incremental-alter-configs-request.js';
export { IncrementalAlterConfigsResponse } from './incremental-alter-configs-response.js';
export { InitProducerIdRequest } from './init-producer-id-request.js';
export { InitProducerIdResponse } from './init-producer-id-response.js';
export { SaslAuthenticateRequest } from './sasl-authenticate-request.js';
export { SaslAuthenticateResponse } from './sasl-authenticate-response.js';
export { SaslHandshakeRequest } from './sasl-handshake-request.js';
export { SaslHandshakeResponse } from './sasl-handshake-response.js';
export { TxnOffsetCommitRequest } from './txn-offset-commit-request.js';
export { TxnOffsetCommitResponse } from './txn-offset-commit-response.js';
export { DeleteGroupsRequest } from './delete-groups-request.js';
export { DeleteGroupsResponse } from './delete-groups-response.js';
export { DescribeGroupsRequest } from './describe-groups-request.js';
export { DescribeGroupsResponse } from './describe-groups-response.js';
export { FindCoordinatorRequest } from './find-coordinator-request.js';
export { FindCoordinatorResponse } from './find-coordinator-response.js';
export { HeartbeatRequest } from './heartbeat-request.js';
export { HeartbeatResponse } from './heartbeat-response.js';
export { JoinGroupRequest } from './join-group-request.js';
export { JoinGroupResponse } from './join-group-response.js';
export { LeaveGroupRequest } from './leave-group-request.js';
export { LeaveGroupResponse } from './leave-group-response.js';
export { ListGroupsRequest } from './list-groups-request.js';
export { ListGroupsResponse } from './list-groups-response.js';
export { OffsetCommitRequest } from './offset-commit-request.js';
export { OffsetCommitResponse } from './offset-commit-response.js';
export { OffsetFetchRequest } from './offset-fetch-request.js';
export { OffsetFetchResponse } from './offset-fetch-response.js';
export { SyncGroupRequest } from './sync-group-request.js';
export { SyncGroupResponse } from './sync-group-response.js';
export { RequestHeader } from './request-header.js';
export { ResponseHeader } from './response-header.js';

/** A request definition with the response that answers it. */
export interface ApiMessages {
  readonly request: Message;
  readonly response: Message;
}

/** The APIs the codec can decode, by API key. */
export const API_MESSAGES: ReadonlyMap<number, ApiMessages> = new Map(
  [
    { request: ApiVersionsRequest, response: ApiVersionsResponse },
    { request: MetadataRequest, response: MetadataResponse },
    { request: ProduceRequest, response: ProduceResponse },
    { request: FetchRequest, response: FetchResponse },
    { request: ListOffsetsRequest, response: ListOffsetsResponse },
    { request: DeleteRecordsRequest, response: DeleteRecordsResponse },
    { request: DeleteGroupsRequest, response: DeleteGroupsResponse },
    { request: DescribeGroupsRequest, response: DescribeGroupsResponse },
    { request: FindCoordinatorRequest, response: FindCoordinatorResponse },
    { request: HeartbeatRequest, response: HeartbeatResponse },
    { request: JoinGroupRequest, response: JoinGroupResponse },
    { request: LeaveGroupRequest, response: LeaveGroupResponse },
    { request: ListGroupsRequest, response: ListGroupsResponse },
    { request: OffsetCommitRequest, response: OffsetCommitResponse },
    { request: OffsetFetchRequest, response: OffsetFetchResponse },
    { request: SyncGroupRequest, response: SyncGroupResponse },
    { request: AddOffsetsToTxnRequest, response: AddOffsetsToTxnResponse },
    { request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse },
    { request: AlterConfigsRequest, response: AlterConfigsResponse },
    { request: CreatePartitionsRequest, response: CreatePartitionsResponse },
    { request: CreateTopicsRequest, response: CreateTopicsResponse },
    { request: DeleteTopicsRequest, response: DeleteTopicsResponse },
    { request: DescribeConfigsRequest, response: DescribeConfigsResponse },
    { request: EndTxnRequest, response: EndTxnResponse },
    { request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse },
    { request: InitProducerIdRequest, response: InitProducerIdResponse },
    { request: SaslAuthenticateRequest, response: SaslAuthenticateResponse },
    { request: SaslHandshakeRequest, response: SaslHandshakeResponse },
    { request: TxnOffsetCommitRequest, response: TxnOffsetCommitResponse },
  ].map((api) => [api.request.apiKey!, api]),
);
