// The helper drive: one qcow2 per user (or --drive FILE) holding the guest-side caches, used
// by one build at a time. A second build on the same drive waits, saying so: an overlay of a
// qcow2 another QEMU is writing would read half-written metadata, and the host package cache
// next to it is shared too.
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { isLocked, lockOwner, tryLock, waitLock, type HeldLock } from '../host/lock.js';
import { run } from '../host/run.js';
import { cacheLayout, privateDir } from './layout.js';

/** The drive's virtual size: sparse, so it costs what the caches hold. */
export const HELPER_BYTES = 256 * 1024 ** 3;

export const lockFileOf = (drive: string) => `${drive}.lock`;

/** Lock `drive` for this build (waiting for another build to finish with it), creating it if missing. */
export async function lockHelperDrive(drive: string, log: Logger): Promise<HeldLock> {
  // the default drive lives in kiln's cache dir; a --drive elsewhere is in a directory of the user's
  await (drive === cacheLayout().helperDrive ? privateDir(dirname(drive)) : mkdir(dirname(drive), { recursive: true }));
  const lockFile = lockFileOf(drive);
  let lock = await tryLock(lockFile);
  if (!lock) {
    log.warn(`the helper drive ${drive} is in use by another build (pid ${lockOwner(lockFile) ?? '?'}): waiting for it to finish (--drive FILE gives this build a drive of its own)`);
    const t0 = performance.now();
    lock = await waitLock(lockFile);
    log.info(`the helper drive is free after ${((performance.now() - t0) / 1000).toFixed(0)}s: continuing`);
  }
  if (!existsSync(drive)) {
    try {
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', drive, String(HELPER_BYTES)], { what: `create the helper drive ${drive}` });
      await chmod(drive, 0o600);
    } catch (e) {
      lock.release();
      throw e;
    }
  }
  return lock;
}

/** For `kiln cache info`: who uses the drive now, if anybody. */
export function helperDriveUser(drive: string): { state: 'free' } | { state: 'in use'; pid?: number } {
  const lockFile = lockFileOf(drive);
  return isLocked(lockFile) ? { state: 'in use', pid: lockOwner(lockFile) } : { state: 'free' };
}
