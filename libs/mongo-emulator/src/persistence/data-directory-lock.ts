import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One process per data directory: a `LOCK` file holding the owner's pid. A lock left behind by a
 * process that no longer runs (killed) is taken over.
 */
export class DataDirectoryLock {
  /** Locks held by this process (the pid in the file cannot tell two of them apart). */
  private static readonly held = new Set<string>();

  private constructor(private readonly path: string) {}

  static acquire(dir: string): DataDirectoryLock {
    const path = join(dir, 'LOCK');
    if (DataDirectoryLock.held.has(path)) {
      throw new Error(`the data directory ${dir} is already open in this process`);
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        DataDirectoryLock.held.add(path);
        return new DataDirectoryLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
          throw new Error(`the data directory ${dir} is in use by process ${owner}`);
        }
        rmSync(path, { force: true });
      }
    }
    throw new Error(`cannot lock the data directory ${dir}`);
  }

  release(): void {
    DataDirectoryLock.held.delete(this.path);
    rmSync(this.path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
