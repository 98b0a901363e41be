// The helper drive: one qcow2 per user (or --drive FILE) holding the guest-side caches, used
// by one build at a time. A second build on the same drive waits, saying so: an overlay of a
// qcow2 another QEMU is writing would read half-written metadata, and the host package cache
// next to it is shared too.
import { constants, existsSync } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
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

/**
 * --drive FILE, checked before a build starts: an existing drive must be a file kiln can read
 * and write, and its directory must take the lock file (and the drive, when it is made).
 */
export async function checkDrivePath(drive: string): Promise<void> {
  const st = await stat(drive).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new UsageError(`--drive ${drive}: cannot use it (${e.code ?? e.message})`, { cause: e });
  });
  if (st && !st.isFile()) {
    throw new UsageError(`--drive ${drive}: not a regular file (${st.isDirectory() ? 'a directory' : 'a device or special file'}); the helper drive is a qcow2 file`, {
      hint: 'give a file name: kiln makes the drive there if it is missing',
    });
  }
  if (st) {
    await access(drive, constants.R_OK | constants.W_OK).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--drive ${drive}: cannot read and write it (${e.code ?? e.message})`, { hint: 'give a helper drive of your own', cause: e });
    });
  }
  let dir = dirname(drive);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  await access(dir, constants.W_OK | constants.X_OK).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--drive ${drive}: cannot write in ${dir} (${e.code ?? e.message}), where its lock file goes`, { hint: 'put the helper drive in a directory you can write to', cause: e });
  });
}

/**
 * An existing helper drive that qemu-img cannot read as a qcow2 (damaged, truncated, some other
 * file): named before the build starts, not after an appliance has booted only to be refused
 * it. -U: another build may be using it this moment.
 */
export async function checkHelperDrive(drive: string): Promise<void> {
  if (!existsSync(drive)) return;
  await run('qemu-img', ['info', '-U', '-f', 'qcow2', drive], { what: `read the helper drive ${drive}` }).catch((e: unknown) => {
    const why = String((e as Error).message).split('\n').slice(1).join(' ').replace(/^\s*qemu-img: /, '').trim();
    throw helperDriveError(drive, `qemu-img cannot read it as a qcow2${why ? ` (${why})` : ''}`, e);
  });
}

/** The helper drive cannot be used: name the file and the way out. */
export function helperDriveError(drive: string, detail: string, cause?: unknown): KilnError {
  return new KilnError(`the helper drive ${drive} cannot be used${detail ? `: ${detail}` : ''}`, {
    hint: 'it is only a cache: kiln cache clear deletes it and the next build makes a new one (or give this build another with --drive FILE)',
    cause,
  });
}
