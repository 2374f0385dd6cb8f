/**
 * `<data-dir>/eddy-broker.json`: where the data directory's owner serves the Kafka protocol, so a
 * second process that finds the directory locked can connect instead of failing. Written after the
 * listeners are up, removed at a clean close; a file left by a crashed owner is harmless because it
 * is only read while the lock is held, and it names the pid that wrote it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../log/atomic-file.js';
import type { ServerAddresses } from './kafka-server.js';

export const BROKER_FILE = 'eddy-broker.json';

export interface BrokerFile {
  pid: number;
  /** `host:port` of the TCP listener, or null. */
  tcp: string | null;
  /** Path of the Unix socket, or null. */
  unix: string | null;
}

export function writeBrokerFile(dataDir: string, addresses: ServerAddresses): void {
  const doc: BrokerFile = {
    pid: process.pid,
    tcp: addresses.tcp === null ? null : `${addresses.tcp.host.includes(':') ? `[${addresses.tcp.host}]` : addresses.tcp.host}:${addresses.tcp.port}`,
    unix: addresses.unix,
  };
  writeFileAtomicSync(path.join(dataDir, BROKER_FILE), JSON.stringify(doc) + '\n');
}

/** The broker file's contents, or null when it is missing or unreadable. */
export function readBrokerFile(dataDir: string): BrokerFile | null {
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(dataDir, BROKER_FILE), 'utf8')) as Partial<BrokerFile>;
    if (!Number.isSafeInteger(doc.pid)) return null;
    return { pid: doc.pid as number, tcp: typeof doc.tcp === 'string' ? doc.tcp : null, unix: typeof doc.unix === 'string' ? doc.unix : null };
  } catch {
    return null;
  }
}

/** Removes the broker file if this process wrote it. */
export function removeBrokerFile(dataDir: string): void {
  if (readBrokerFile(dataDir)?.pid === process.pid) fs.rmSync(path.join(dataDir, BROKER_FILE), { force: true });
}
