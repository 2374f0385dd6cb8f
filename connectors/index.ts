/**
 * Eddy's connectors: CDC and log-ingest sources, search-index, Redis and websocket sinks. They build
 * on `eddy/streams`; for now this entry point re-exports the core clients connectors are written with.
 */
export { Eddy, Producer, Consumer } from '../core/index.js';
