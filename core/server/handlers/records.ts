import type { Handler } from '../handler.js';

export const RECORD_HANDLERS: ReadonlyMap<number, Handler> = new Map();
