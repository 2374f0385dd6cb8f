/**
 * One process owns a data directory (DESIGN decision 6). The owner holds `<data-dir>/.lock`, created
 * exclusively and holding its pid. A lock whose pid is no longer running is stale (its owner died,
 * e.g. kill -9) and is taken over; the log then runs recovery because no clean-shutdown marker exists.
 */
import fs from 'node:fs';
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

export class LockFile {
  private constructor(readonly file: string) {}

  static acquire(dataDir: string): LockFile {
    const file = path.join(dataDir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return new LockFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot create lock file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
        }
      }
      let holder = NaN;
      try {
        holder = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
      } catch {
        // Vanished between our create and read: try again.
        continue;
      }
      if (Number.isSafeInteger(holder) && holder > 0 && (holder === process.pid || processAlive(holder))) {
        const who = holder === process.pid ? 'this process' : `process ${holder}`;
        throw new EddyError('ERR_DATA_DIR_LOCKED', `Data directory ${dataDir} is in use by ${who} (pid ${holder}); one process owns a data directory`, {
          path: dataDir,
          pid: holder,
        });
      }
      // Stale: the holder is gone (or the file is unreadable garbage). Remove it and retry the exclusive create.
      fs.rmSync(file, { force: true });
    }
    throw new EddyError('ERR_DATA_DIR_LOCKED', `Could not take the lock on ${dataDir}`, { path: dataDir });
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      // Already gone.
    }
  }
}
