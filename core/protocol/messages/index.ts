/**
 * The message definitions the codec knows, and which request and response belong to which API
 * key. Adding an API means adding its two definitions here.
 */

import type { Message } from '../schema.js';
import { ApiVersionsRequest } from './api-versions-request.js';
import { ApiVersionsResponse } from './api-versions-response.js';
import { MetadataRequest } from './metadata-request.js';
import { MetadataResponse } from './metadata-response.js';

export { ApiVersionsRequest } from './api-versions-request.js';
export { ApiVersionsResponse } from './api-versions-response.js';
export { MetadataRequest } from './metadata-request.js';
export { MetadataResponse } from './metadata-response.js';
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
  ].map((api) => [api.request.apiKey!, api]),
);
