/**
 * Starts a throwaway redis-server for a baseline: a free loopback port, a temp dir, no RDB or AOF
 * (the baselines compare against Redis at its fastest), killed by its PID afterwards. When the
 * binary is missing the goal reports the baseline as missing instead of inventing a number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { findOnPath } from './find-binary.js';
import { withTempDir } from './temp-dir.js';

export const REDIS_MISSING = 'redis-server not found (apt-get install redis-server)';

const READY_TIMEOUT_MS = 10_000;

/** The redis-server on PATH, or null. */
export function findRedisServer(): string | null {
  return findOnPath('redis-server');
}

/**
 * Runs `work` with a client connected to a fresh redis-server, or with null when redis-server is
 * missing (the goal then measures Eddy alone and reports the baseline as missing).
 */
export async function withRedisServer<T>(work: (redis: Redis | null) => Promise<T>): Promise<T> {
  const binary = findRedisServer();
  if (binary === null) return work(null);
  return withTempDir('redis', async (dir) => {
    const port = await freePort();
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // If the bench dies mid-goal, do not leave a server behind.
    const killOnExit = (): void => void kill(child);
    process.once('exit', killOnExit);
    try {
      await ready(child);
      const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      try {
        return await work(redis);
      } finally {
        redis.disconnect();
      }
    } finally {
      process.off('exit', killOnExit);
      await stop(child);
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server logs that it accepts connections (Redis 5 to 7 all print this line). */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`redis-server not ready after ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`redis-server exited with ${code}:\n${log}`))));
  });
}

function kill(child: ChildProcess): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    process.kill(child.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (!kill(child)) resolve();
  });
}
