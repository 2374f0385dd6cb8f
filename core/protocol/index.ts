/** Kafka wire-protocol codec: primitives, the schema engine, message definitions and framing. */

export { API_KEYS, type ApiKey, type ApiName, apiName } from './api-keys.js';
export {
  DEFAULT_FRAME_DECODER_OPTIONS,
  type DecodedRequest,
  decodeRequest,
  encodeRequest,
  encodeResponse,
  FrameDecoder,
  type FrameDecoderOptions,
  requestHeaderVersion,
  resolveFrameDecoderOptions,
  responseHeaderVersion,
} from './frame.js';
export * from './messages/index.js';
export { MAX_STRING_BYTES, Reader, Writer } from './primitives.js';
export {
  decode,
  defineMessage,
  encode,
  type Field,
  type FieldSpec,
  type FieldType,
  inVersions,
  type Message,
  type MessageSpec,
  parseVersions,
  type PrimitiveType,
  type StructValue,
  type Value,
  type VersionRange,
} from './schema.js';
export { connectWire, type WireClient } from './wire-client.js';
