import type { Handler } from '../handler.js';

export const SASL_HANDLERS: ReadonlyMap<number, Handler> = new Map();
