// Host-side drive files: throwaway sparse scratch/target drives and the per-user helper
// drive with its lock. Sparse files are made natively (truncate), qcow2 with qemu-img.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { run } from './exec.js';

export async function createSparse(path: string, bytes: number): Promise<void> {
  await writeFile(path, '');
  await truncate(path, bytes);
}

export async function createQcow2(path: string, bytes: number): Promise<void> {
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', path, String(bytes)], { what: `create the helper drive ${path}` });
}

/**
 * An exclusive lock on the helper drive: a lock file holding the owner's pid. It is
 * written under a private name and hard-linked into place, so it never exists empty (a
 * second build reading it half-written would take it for stale). A lock whose pid is
 * gone is stale: it is removed only if it still names that pid, then taken.
 */
export function tryLock(lockPath: string): (() => void) | undefined {
  const mine = `${lockPath}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, lockPath);
        return () => {
          if (ownerOf(lockPath) === process.pid) rmSync(lockPath, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = ownerOf(lockPath);
        if (pid === undefined) continue; // removed meanwhile: try again
        if (pid !== 0 && pidAlive(pid)) return undefined;
        if (ownerOf(lockPath) === pid) rmSync(lockPath, { force: true });
      }
    }
    return undefined;
  } finally {
    rmSync(mine, { force: true });
  }
}

/** The pid in a lock file, if it has one. */
export function lockOwner(lockPath: string): number | undefined {
  return ownerOf(lockPath) || undefined;
}

function ownerOf(lockPath: string): number | undefined {
  try {
    return Number(readFileSync(lockPath, 'utf8').trim()) || 0;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` exists (another user's process counts). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
