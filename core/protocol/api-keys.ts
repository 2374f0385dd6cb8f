/**
 * Kafka's API keys (the int16 at the start of every request header), named as Kafka names them.
 * Only the APIs Eddy plans to serve are listed; a request with any other key is refused.
 */

/** API key by name. */
export const API_KEYS = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
} as const;

export type ApiName = keyof typeof API_KEYS;
export type ApiKey = (typeof API_KEYS)[ApiName];

const NAMES = new Map<number, ApiName>(Object.entries(API_KEYS).map(([name, key]) => [key, name as ApiName]));

/**
 * The name of an API key, or undefined for a key not in {@link API_KEYS}.
 *
 * @example
 * apiName(18); // 'ApiVersions'
 */
export function apiName(apiKey: number): ApiName | undefined {
  return NAMES.get(apiKey);
}
