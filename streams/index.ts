/**
 * Eddy's stream-processing DSL (RxJS pipelines over topics, state stores, windows, joins). It is built
 * on the core's clients; for now it re-exports what a pipeline author needs from the core.
 */
export { Eddy, type ConsumerRecord, type Message, serdes, type Serde } from '../core/index.js';
