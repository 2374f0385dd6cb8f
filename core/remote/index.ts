/** Eddy.connect(): the embedded client API over Kafka's protocol (see remote-eddy.ts). */
export { RemoteEddy, connectEddy } from './remote-eddy.js';
export { RemoteAdmin } from './remote-admin.js';
export { RemoteProducer } from './remote-producer.js';
export { RemoteConsumer } from './remote-consumer.js';
export { DEFAULT_REMOTE_EDDY_OPTIONS, resolveRemoteEddyOptions, type RemoteEddyOptions } from './remote-options.js';
