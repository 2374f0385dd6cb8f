/**
 * Handler of each API key the broker serves; ApiVersions advertises exactly these keys.
 */
import { API_KEYS } from '../../protocol/api-keys.js';
import type { Handler } from '../handler.js';
import { ADMIN_HANDLERS } from './admin.js';
import { apiVersionsBody } from './api-versions.js';
import { GROUP_HANDLERS } from './groups.js';
import { handleMetadata } from './metadata.js';
import { RECORD_HANDLERS } from './records.js';
import { SASL_HANDLERS } from './sasl.js';
import { TRANSACTION_HANDLERS } from './transactions.js';

export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.ApiVersions, () => apiVersionsBody(HANDLERS.keys())],
  [API_KEYS.Metadata, handleMetadata],
  ...RECORD_HANDLERS,
  ...GROUP_HANDLERS,
  ...TRANSACTION_HANDLERS,
  ...ADMIN_HANDLERS,
  ...SASL_HANDLERS,
]);
