// tar: the tree export as the guest made it (numeric owners, xattrs, ./proc and ./sys left
// out), copied into place; a reflink where the filesystem can, a plain copy elsewhere.
import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { atomicOutput } from './atomic.js';
import type { OutputFormat } from './types.js';

export const tar: OutputFormat = {
  name: 'tar',
  ext: 'tar',
  needs: 'tree',
  supported: () => Promise.resolve({ ok: true }),
  write: (input, dest) => atomicOutput(dest, (tmp) => copyFile(input, tmp, constants.COPYFILE_FICLONE)),
};
