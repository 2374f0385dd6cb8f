import type { Handler } from '../handler.js';

export const ADMIN_HANDLERS: ReadonlyMap<number, Handler> = new Map();
