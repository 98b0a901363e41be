// An image the user names (kiln boot IMAGE, kiln get-kernel IMAGE), checked before QEMU or
// qemu-img sees it: a path that is missing, a directory or unreadable is the user's to fix
// (usage, exit 2); an empty file is a failed image (exit 1). Block devices are images too.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { KilnError, UsageError } from '../errors.js';

export async function checkImageFile(path: string): Promise<void> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new UsageError(`${path}: no such image file`, { cause: e });
    throw new UsageError(`${path}: cannot read it (${e.code ?? e.message})`, { hint: 'check the path and its permissions', cause: e });
  });
  if (st.isDirectory()) throw new UsageError(`${path}: a directory, not an image file`, { hint: 'give the image file itself, e.g. NAME.qcow2' });
  if (!st.isFile() && !st.isBlockDevice()) throw new UsageError(`${path}: not an image file (neither a regular file nor a block device)`);
  await access(path, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`${path}: cannot read it (${e.code ?? e.message})`, { hint: 'check its permissions', cause: e });
  });
  if (st.isFile() && st.size === 0) throw new KilnError(`${path} is empty (0 bytes): there is no disk image in it`, { hint: 'was the build that wrote it interrupted? build it again' });
}
