/**
 * ResponseHeader, versions 0–1 (flexible from 1):
 *   v0: correlationId int32
 *   v1: + tagged fields
 * A flexible response uses v1, except ApiVersions, which always answers with v0 so a client can
 * read the answer whatever version it asked for: see `responseHeaderVersion`.
 */

import { defineMessage } from '../schema.js';

export const ResponseHeader = defineMessage({
  name: 'ResponseHeader',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [{ name: 'correlationId', type: 'int32', versions: '0+' }],
});
