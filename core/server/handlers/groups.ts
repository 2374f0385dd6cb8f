import type { Handler } from '../handler.js';

export const GROUP_HANDLERS: ReadonlyMap<number, Handler> = new Map();
