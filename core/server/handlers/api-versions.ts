/**
 * ApiVersions: the version range of every API this broker serves, from the codec's definitions.
 * Produce is advertised from v0 although only v3+ is served, as Kafka 4 does (KAFKA-18659):
 * librdkafka turns compression off against a broker that does not list the old versions.
 */
import { API_KEYS } from '../../protocol/api-keys.js';
import { API_MESSAGES } from '../../protocol/messages/index.js';
import type { StructValue } from '../../protocol/schema.js';

/** Advertised minimum versions below what the codec decodes (requests of those versions are refused). */
const ADVERTISED_MIN: ReadonlyMap<number, number> = new Map([[API_KEYS.Produce, 0]]);

/** The ApiVersions response body (every API a handler serves) (errorCode 0), shared with the answer to an unsupported ApiVersions version. */
export function apiVersionsBody(handledKeys: Iterable<number>): StructValue {
  const apiKeys: StructValue[] = [];
  for (const apiKey of handledKeys) {
    const api = API_MESSAGES.get(apiKey);
    if (api === undefined) continue;
    const { min, max } = api.request.validVersions;
    apiKeys.push({ apiKey, minVersion: ADVERTISED_MIN.get(apiKey) ?? min, maxVersion: max });
  }
  apiKeys.sort((a, b) => (a.apiKey as number) - (b.apiKey as number));
  return { errorCode: 0, apiKeys, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false };
}
