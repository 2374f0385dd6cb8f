/**
 * One process owns a data directory (DESIGN decision 6).
 *
 * On Linux the lock itself is a Unix socket bound in the abstract namespace under a name derived
 * from the directory's real path: binding is atomic, and the kernel releases it the moment the owner
 * dies (even by kill -9), so there is no stale lock to judge and no takeover race. Elsewhere the lock
 * is the exclusive creation of `<data-dir>/.lock`, taken over when the pid in it is no longer running.
 *
 * Either way `<data-dir>/.lock` holds the owner's pid, which the error for a second opener names.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EddyError } from '../errors.js';

export const LOCK_FILE = '.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function lockedError(dataDir: string, holder: number | null): EddyError {
  const who = holder === null ? 'another owner' : holder === process.pid ? `this process (pid ${holder})` : `pid ${holder}`;
  return new EddyError('ERR_DATA_DIR_LOCKED', `Data directory ${dataDir} is in use by ${who}; one process owns a data directory`, {
    path: dataDir,
    pid: holder ?? undefined,
  });
}

function writePid(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  fs.renameSync(tmp, file);
}

export class LockFile {
  private constructor(
    readonly file: string,
    private readonly server: net.Server | null,
  ) {}

  static async acquire(dataDir: string): Promise<LockFile> {
    const file = path.join(dataDir, LOCK_FILE);
    if (process.platform === 'linux') return LockFile.acquireAbstractSocket(dataDir, file);
    return LockFile.acquirePidFile(dataDir, file);
  }

  private static async acquireAbstractSocket(dataDir: string, file: string): Promise<LockFile> {
    const name = '\0eddy-data-dir-' + createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex');
    const server = net.createServer((socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ path: name, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      server.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw lockedError(dataDir, readHolder(file));
      throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot lock ${dataDir}: ${(err as Error).message}`, { path: dataDir }, { cause: err });
    }
    server.unref();
    try {
      writePid(file);
    } catch (err) {
      server.close();
      throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot write ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    return new LockFile(file, server);
  }

  private static acquirePidFile(dataDir: string, file: string): LockFile {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return new LockFile(file, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot create lock file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
        }
      }
      const holder = readHolder(file);
      if (holder !== null && (holder === process.pid || processAlive(holder))) throw lockedError(dataDir, holder);
      // Stale: the holder is gone (or the file is garbage). Remove it and retry the exclusive create.
      fs.rmSync(file, { force: true });
    }
    throw lockedError(dataDir, readHolder(file));
  }

  release(): void {
    this.server?.close();
    // Remove the pid file only while it still names this process.
    if (readHolder(this.file) === process.pid) fs.rmSync(this.file, { force: true });
  }
}
