/**
 * RequestHeader, versions 0–2 (flexible from 2):
 *   v0: requestApiKey int16, requestApiVersion int16, correlationId int32
 *   v1: + clientId NULLABLE_STRING
 *   v2: + tagged fields
 * clientId keeps the two-byte length even in v2, so that a broker too old to know a request's
 * version can still read the header of the ApiVersions request a client opens with.
 * Which header a request uses follows from its own version: see `requestHeaderVersion`.
 */

import { defineMessage } from '../schema.js';

export const RequestHeader = defineMessage({
  name: 'RequestHeader',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'requestApiKey', type: 'int16', versions: '0+' },
    { name: 'requestApiVersion', type: 'int16', versions: '0+' },
    { name: 'correlationId', type: 'int32', versions: '0+' },
    { name: 'clientId', type: 'string', versions: '1+', nullableVersions: '1+', flexibleVersions: 'none', default: null },
  ],
});
