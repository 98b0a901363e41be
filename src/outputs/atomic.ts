// Outputs appear complete or not at all. The file is written inside a private directory next
// to the destination, under the destination's own basename (some formats record their file
// name: a VMDK descriptor names its extent), then renamed into place; a failure removes the
// directory. A leftover from a killed run is cleared before the next attempt.
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withCleanupErrors } from '../errors.js';

export function partialDir(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.kiln-partial`);
}

export async function atomicOutput<T>(dest: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const dir = partialDir(dest);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  try {
    const tmp = join(dir, basename(dest));
    const result = await write(tmp);
    await rename(tmp, dest);
    await rm(dir, { recursive: true, force: true });
    return result;
  } catch (err) {
    const cleanup = await rm(dir, { recursive: true, force: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    throw withCleanupErrors(err, [cleanup]);
  }
}
