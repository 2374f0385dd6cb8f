import type { Handler } from '../handler.js';

export const TRANSACTION_HANDLERS: ReadonlyMap<number, Handler> = new Map();
