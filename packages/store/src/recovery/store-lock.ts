/**
 * The `lock` file of a store directory (spec §5). Java holds an OS file lock on its first
 * byte; Node has no flock, so rocketmq-ts uses a pid lease instead:
 *
 *   - acquire creates `lock` exclusively (O_EXCL) and writes "<pid>\n" into it;
 *   - if `lock` exists and names a live process (other than this one), or this process already
 *     holds it, acquiring fails with StoreLockedError;
 *   - otherwise the file is stale (a crashed rocketmq-ts, or Java's "lock" text) and is replaced;
 *   - release (clean shutdown) deletes it.
 *
 * Limits: a running *Java* broker on the same directory is not detected (its lock is an OS lock,
 * its file says "lock"); pid reuse can make a stale lock look alive (the error names the file
 * to delete); two processes taking over the same stale lock at the same instant can both win.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreIOError, StoreLockedError } from '../errors.ts';

const heldHere = new Set<string>();

export class StoreLock {
  private released = false;

  private constructor(readonly file: string) {}

  /** Takes the lock of the store rooted at `rootDir` (which must exist). */
  static async acquire(rootDir: string): Promise<StoreLock> {
    const file = join(rootDir, 'lock');
    if (heldHere.has(file)) throw new StoreLockedError(file, process.pid);
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(file, 'wx');
        try {
          await handle.writeFile(`${process.pid}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        heldHere.add(file);
        return new StoreLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreIOError(file, 'create', error);
      }
      const holder = Number.parseInt((await readFile(file, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new StoreLockedError(file, holder);
      }
      if (attempt >= 2) throw new StoreLockedError(file, Number.isSafeInteger(holder) ? holder : 0);
      await rm(file, { force: true }); // stale: its owner is gone
    }
  }

  get held(): boolean {
    return !this.released;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.file);
    await rm(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
