// The host file system a build writes to, watched: when it fills, QEMU's writes fail (the
// drives report the error to the guest rather than pausing the VM), and kiln stops the build
// within seconds with an error that names the directory, instead of waiting on a guest that
// can no longer make progress.
import { statfs } from 'node:fs/promises';
import { KilnError } from '../errors.js';

/** Below this, a build's drives cannot take another write of any size that matters. */
export const LOW_SPACE_BYTES = 32 * 1024 ** 2;

export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/** The build's file system filled up: a user's problem with a user's fix. */
export class HostDiskFullError extends KilnError {
  constructor(readonly dir: string, free: number, cause?: unknown) {
    super(`the file system holding ${dir} is full (${(free / 1024 ** 2).toFixed(0)} MiB free): the build's drives there could not be written`, {
      hint: 'free space there, or build into a directory on a larger file system (-o DIR/NAME); the work dir goes next to the output',
      cause,
    });
  }
}

/**
 * Check `dir`'s free space every `everyMs` while something runs; `onLow` once when it drops
 * below LOW_SPACE_BYTES. Returns the stop function, and whether it fired.
 */
export function watchFreeSpace(dir: string, onLow: (free: number) => void, everyMs = 2000): { stop(): void; fired(): number | undefined } {
  let low: number | undefined;
  const timer = setInterval(() => {
    freeBytes(dir).then(
      (free) => {
        if (low === undefined && free < LOW_SPACE_BYTES) {
          low = free;
          onLow(free);
        }
      },
      () => {},
    );
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), fired: () => low };
}
