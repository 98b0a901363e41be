// The helper drive: one qcow2 per user (or --drive FILE) holding the guest-side caches. Many
// builds use it at once, none waits for another: each attaches an overlay of its own (a qcow2
// whose backing file is the drive, which QEMU opens read-only), and the drive itself is never
// written in place. When a build has let go of the drive cleanly, what it added is merged
// into a copy of the drive, which is checked and then renamed over it: a reader (another
// build's QEMU, `kiln cache export`) keeps the file it opened, and a kiln killed mid-merge
// leaves the drive as it was. If another build merged first, the overlay's base is no longer
// the drive, and this build's additions are dropped (mixing two builds' blocks would corrupt
// the filesystem inside). The lock is held only to make an overlay and to merge.
import { existsSync } from 'node:fs';
import { chmod, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../log.js';
import { isLocked, lockOwner, tryLock, waitLock, type HeldLock } from '../host/lock.js';
import { run } from '../host/run.js';
import { privateDir } from './layout.js';

/** The drive's virtual size: sparse, so it costs what the caches hold. */
export const HELPER_BYTES = 256 * 1024 ** 3;

export const lockFileOf = (drive: string) => `${drive}.lock`;

/** A merge in progress writes here, next to the drive (same filesystem: the rename is atomic). */
const partialOf = (drive: string, pid: number) => join(dirname(drive), `.${basename(drive)}.${pid}.partial`);

/** One build's use of the helper drive. */
export interface HelperDriveUse {
  /** The helper drive (for messages). */
  drive: string;
  /** The file the build's appliance attaches: its own qcow2 overlay of the drive. */
  overlay: string;
  /** What the build added, into the drive, unless another build merged first; says which. */
  merge(): Promise<MergeOutcome>;
}

export type MergeOutcome = { merged: true; bytes: number } | { merged: false; reason: string };

/** Which file `drive` is now: a merge, an import or a clear makes a new one (never rewrites it). */
async function identity(drive: string): Promise<string | undefined> {
  const s = await stat(drive, { bigint: true }).catch(() => undefined);
  return s && `${s.dev}:${s.ino}:${s.ctimeNs}:${s.size}`;
}

/** Take the drive's lock, saying so when another build holds it (a merge takes seconds). */
async function lockDrive(drive: string, log: Logger, why: string): Promise<HeldLock> {
  const lockFile = lockFileOf(drive);
  const now = await tryLock(lockFile);
  if (now) return now;
  log.info(`waiting for another kiln (pid ${lockOwner(lockFile) ?? '?'}) to finish with the helper drive ${drive} before ${why}`);
  return waitLock(lockFile);
}

/** The empty drive, made by the first build that needs it (under the lock). */
export async function createHelperDrive(drive: string): Promise<void> {
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', drive, String(HELPER_BYTES)], { what: `create the helper drive ${drive}` });
  await chmod(drive, 0o600);
}

/** Merges that a killed kiln left half done: under the lock nobody else can be merging. */
async function removePartials(drive: string): Promise<void> {
  const prefix = `.${basename(drive)}.`;
  for (const f of await readdir(dirname(drive))) if (f.startsWith(prefix) && f.endsWith('.partial')) await rm(join(dirname(drive), f), { force: true });
}

/** This build's overlay of `drive` (made if missing) in `work`; no other build waits for it. */
export async function useHelperDrive(driveArg: string, work: string, log: Logger): Promise<HelperDriveUse> {
  const drive = resolve(driveArg);
  await privateDir(dirname(drive));
  const overlay = join(work, 'helper-overlay.qcow2');
  let base: string | undefined;
  const lock = await lockDrive(drive, log, 'starting');
  try {
    await removePartials(drive);
    if (!existsSync(drive)) await createHelperDrive(drive);
    base = await identity(drive);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', drive, '-F', 'qcow2', overlay], { what: `make this build's overlay of the helper drive ${drive}` });
  } finally {
    lock.release();
  }
  return { drive, overlay, merge: () => mergeOverlay(drive, overlay, base!, log) };
}

/**
 * The overlay's clusters into a copy of the drive, the copy checked and renamed over the
 * drive, all under the lock; nothing if the drive is no longer the overlay's base.
 */
async function mergeOverlay(drive: string, overlay: string, base: string, log: Logger): Promise<MergeOutcome> {
  const lock = await lockDrive(drive, log, 'merging');
  const partial = partialOf(drive, process.pid);
  try {
    if ((await identity(drive)) !== base) return { merged: false, reason: `another build merged into the helper drive (or it was cleared or imported) since this build started` };
    const bytes = (await stat(overlay)).size;
    await run('qemu-img', ['check', '-q', '-f', 'qcow2', overlay], { what: "check this build's overlay of the helper drive" });
    await run('cp', ['--reflink=auto', '--sparse=always', drive, partial], { what: 'copy the helper drive to merge into' });
    // the copy is the drive byte for byte: point the overlay at it without reading anything (-u)
    await run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-b', partial, '-F', 'qcow2', overlay], { what: 'point the overlay at the copy of the helper drive' });
    await run('qemu-img', ['commit', '-q', '-d', '-f', 'qcow2', overlay], { what: "merge this build's additions into the copy of the helper drive" });
    await run('qemu-img', ['check', '-q', '-f', 'qcow2', partial], { what: 'check the merged helper drive' });
    await chmod(partial, 0o600);
    await rename(partial, drive);
    return { merged: true, bytes };
  } finally {
    await rm(partial, { force: true });
    lock.release();
  }
}

/** For `kiln cache info`: whether a kiln is making an overlay of the drive or merging into it now. */
export function helperDriveUser(drive: string): { state: 'free' } | { state: 'in use'; pid?: number } {
  const lockFile = lockFileOf(drive);
  return isLocked(lockFile) ? { state: 'in use', pid: lockOwner(lockFile) } : { state: 'free' };
}

/** Hold the drive's lock for `fn` (cache clear, import, export): no overlay is made, no merge lands meanwhile. */
export async function withHelperDriveLock<T>(drive: string, log: Logger, why: string, fn: () => Promise<T>): Promise<T> {
  await privateDir(dirname(drive));
  const lock = await lockDrive(drive, log, why);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
