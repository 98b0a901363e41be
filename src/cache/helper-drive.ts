// The helper drive: one qcow2 per user (or --drive FILE) holding the guest-side caches. Many
// builds use it at once, none waits for another: each attaches an overlay of its own (a qcow2
// whose backing file is the drive as the build found it, kept by a hard link, which QEMU opens
// read-only), and the drive itself is never written in place. When a build has let go of the
// drive cleanly, what it added is merged into a copy, which is checked and then renamed over
// the drive: a reader (another build's QEMU, `kiln cache export`) keeps the file it opened, and
// a kiln killed mid-merge leaves the drive as it was. Two builds' blocks are never mixed (that
// would corrupt the filesystem inside): when others merged first, the lineage with more in it
// is kept whole and the other's additions are dropped. The lock is held only to make an
// overlay and to merge.
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, chmod, link as fsLink, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { isLocked, lockOwner, pidAlive, tryLock, waitLock, type HeldLock } from '../host/lock.js';
import { run } from '../host/run.js';
import { cacheLayout, privateDir } from './layout.js';

/** The drive's virtual size: sparse, so it costs what the caches hold. */
export const HELPER_BYTES = 256 * 1024 ** 3;

export const lockFileOf = (drive: string) => `${drive}.lock`;

/** A merge in progress writes here, next to the drive (same filesystem: the rename is atomic). */
const partialOf = (drive: string, pid: number) => join(dirname(drive), `.${basename(drive)}.${pid}.partial`);
/** A build's hard link to the drive it started from: its overlay's backing file whatever replaces the drive. */
const baseLinkOf = (drive: string, pid: number) => join(dirname(drive), `.${basename(drive)}.${pid}.${randomBytes(4).toString('hex')}.base`);
/**
 * The drive's lineage: an id a new drive (made, imported) gets and merges keep. A drive of
 * the same lineage descends from a build's base by merges; another one was cleared or imported.
 */
export const lineageFileOf = (drive: string) => `${drive}.lineage`;

/** One build's use of the helper drive. */
export interface HelperDriveUse {
  /** The helper drive (for messages). */
  drive: string;
  /** The file the build's appliance attaches: its own qcow2 overlay of the drive. */
  overlay: string;
  /** What the build added, into the drive (see mergeOverlay); says what became of it. */
  merge(): Promise<MergeOutcome>;
  /** The build did not let go of the drive cleanly: nothing of it is kept. */
  discard(): Promise<void>;
}

export type MergeOutcome = { merged: true; bytes: number; replaced?: string } | { merged: false; reason: string };

/**
 * Which file `drive` is now: a merge, an import or a clear makes a new one (never rewrites it).
 * Not its ctime: every build's hard link to it changes that. Its inode cannot be reused while a
 * build's link holds it; mtime and size tell files apart where there is no link.
 */
async function identity(drive: string): Promise<string | undefined> {
  const s = await stat(drive, { bigint: true }).catch(() => undefined);
  return s && `${s.dev}:${s.ino}:${s.mtimeNs}:${s.size}`;
}

const lineage = (drive: string) => readFile(lineageFileOf(drive), 'utf8').then((t) => t.trim(), () => undefined);

/** A drive of its own lineage (made, imported): builds that started on another one drop their merges. */
export async function newLineage(drive: string): Promise<void> {
  const tmp = `${lineageFileOf(drive)}.${process.pid}`;
  await writeFile(tmp, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  await rename(tmp, lineageFileOf(drive));
}

/** Disk space a file takes (a qcow2 grows by what is written into it). */
const used = async (file: string) => (await stat(file)).blocks * 512;

/** The drive's directory, made if missing: kiln's cache dir is private; a --drive elsewhere is in a directory of the user's, left as it is. */
async function driveDir(drive: string): Promise<void> {
  await (drive === cacheLayout().helperDrive ? privateDir(dirname(drive)) : mkdir(dirname(drive), { recursive: true }));
}

/** Take the drive's lock, saying so when another build holds it (a merge takes seconds). */
async function lockDrive(drive: string, log: Logger, why: string): Promise<HeldLock> {
  const lockFile = lockFileOf(drive);
  const now = await tryLock(lockFile);
  if (now) return now;
  log.info(`waiting for another kiln (pid ${lockOwner(lockFile) ?? '?'}) to finish with the helper drive ${drive} before ${why}`);
  return waitLock(lockFile);
}

/** The empty drive, made by the first build that needs it (under the lock), of a new lineage. */
export async function createHelperDrive(drive: string): Promise<void> {
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', drive, String(HELPER_BYTES)], { what: `create the helper drive ${drive}` });
  await chmod(drive, 0o600);
  await newLineage(drive);
}

/**
 * What killed kilns left: half-made merges (under the lock nobody else is merging) and the
 * base links of builds whose kiln is gone.
 */
async function removeLeftovers(drive: string): Promise<void> {
  const prefix = `.${basename(drive)}.`;
  for (const f of await readdir(dirname(drive))) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length).split('.')[0]);
    if (f.endsWith('.partial') || (f.endsWith('.base') && !pidAlive(pid))) await rm(join(dirname(drive), f), { force: true });
  }
}

/** This build's overlay of `drive` (made if missing) in `work`; no other build waits for it. */
export async function useHelperDrive(driveArg: string, work: string, log: Logger): Promise<HelperDriveUse> {
  const drive = resolve(driveArg);
  await driveDir(drive);
  const overlay = join(work, 'helper-overlay.qcow2');
  const lock = await lockDrive(drive, log, 'starting');
  let start: Start;
  try {
    await removeLeftovers(drive);
    if (!existsSync(drive)) await createHelperDrive(drive);
    else if ((await lineage(drive)) === undefined) await newLineage(drive);
    // a hard link keeps the file this build started from, whatever later replaces the drive
    let link: string | undefined = baseLinkOf(drive, process.pid);
    await fsLink(drive, link).catch(() => (link = undefined));
    start = { identity: (await identity(drive))!, lineage: (await lineage(drive))!, link };
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', link ?? drive, '-F', 'qcow2', overlay], { what: `make this build's overlay of the helper drive ${drive}` });
  } finally {
    await lock.release();
  }
  const forget = async () => {
    if (start.link) await rm(start.link, { force: true });
  };
  return { drive, overlay, merge: () => mergeOverlay(drive, overlay, start, log).finally(forget), discard: forget };
}

interface Start {
  identity: string;
  lineage: string;
  /** The hard link to the drive as it was (absent where the filesystem has none). */
  link?: string;
}

/**
 * Under the lock: if the drive is still the file the build started from, its overlay is
 * merged into a copy of it. If other builds merged since, the lineage with more in it wins: the
 * drive as they left it, or the build's start plus its own additions. A drive cleared or
 * imported meanwhile (another lineage) is left alone. A merge writes a copy, checks it and
 * renames it over the drive.
 */
async function mergeOverlay(drive: string, overlay: string, start: Start, log: Logger): Promise<MergeOutcome> {
  const lock = await lockDrive(drive, log, 'merging');
  try {
    const bytes = await used(overlay);
    if (!existsSync(drive) || (await lineage(drive)) !== start.lineage) return { merged: false, reason: 'the helper drive was cleared or imported since this build started' };
    if ((await identity(drive)) === start.identity) {
      await mergeInto(drive, drive, overlay);
      return { merged: true, bytes };
    }
    if (!start.link) return { merged: false, reason: 'another build merged into the helper drive since this build started' };
    const theirs = (await used(drive)) - (await used(start.link));
    if (theirs >= bytes) return { merged: false, reason: `other builds merged more into the helper drive since this build started (${mib(theirs)} against this build's ${mib(bytes)})` };
    await mergeInto(drive, start.link, overlay);
    return { merged: true, bytes, replaced: `the ${mib(theirs)} other builds merged since this one started, less than its own` };
  } finally {
    await lock.release();
  }
}

/** `from` (the drive, or the build's start) copied, the overlay committed into the copy, checked, renamed over the drive. */
async function mergeInto(drive: string, from: string, overlay: string): Promise<void> {
  const partial = partialOf(drive, process.pid);
  try {
    await run('qemu-img', ['check', '-q', '-f', 'qcow2', overlay], { what: "check this build's overlay of the helper drive" });
    await run('cp', ['--reflink=auto', '--sparse=always', from, partial], { what: 'copy the helper drive to merge into' });
    // the copy is the overlay's base byte for byte: point the overlay at it without reading anything (-u)
    await run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-b', partial, '-F', 'qcow2', overlay], { what: 'point the overlay at the copy of the helper drive' });
    await run('qemu-img', ['commit', '-q', '-d', '-f', 'qcow2', overlay], { what: "merge this build's additions into the copy of the helper drive" });
    await run('qemu-img', ['check', '-q', '-f', 'qcow2', partial], { what: 'check the merged helper drive' });
    await chmod(partial, 0o600);
    await rename(partial, drive);
  } finally {
    await rm(partial, { force: true });
  }
}

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;

/** For `kiln cache info`: whether a kiln is making an overlay of the drive or merging into it now. */
export function helperDriveUser(drive: string): { state: 'free' } | { state: 'in use'; pid?: number } {
  const lockFile = lockFileOf(drive);
  return isLocked(lockFile) ? { state: 'in use', pid: lockOwner(lockFile) } : { state: 'free' };
}

/** Hold the drive's lock for `fn` (cache clear, import, export): no overlay is made, no merge lands meanwhile. */
export async function withHelperDriveLock<T>(drive: string, log: Logger, why: string, fn: () => Promise<T>): Promise<T> {
  await driveDir(drive);
  const lock = await lockDrive(drive, log, why);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
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
