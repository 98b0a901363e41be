// Host-side drive files: throwaway sparse scratch/target drives and the per-user helper
// drive with its lock. Sparse files are made natively (truncate), qcow2 with qemu-img.
import { closeSync, openSync, writeSync, readFileSync, existsSync, unlinkSync } from 'node:fs';
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
 * An exclusive lock on the helper drive: a lock file holding the owner's pid, created with
 * O_EXCL. A lock whose pid is gone is stale and taken over.
 */
export function tryLock(lockPath: string): (() => void) | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      if (pid && pidAlive(pid)) return undefined;
      if (existsSync(lockPath)) unlinkSync(lockPath);
    }
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
