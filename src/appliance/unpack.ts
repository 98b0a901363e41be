// Unpack .deb data archives into a tree without root and without maintainer scripts.
// One tar reads all packages' data tars back to back (-i skips the zero blocks between
// them); usr-merge symlinks exist beforehand and are kept, as usrmerge would leave them.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../host/run.js';

export const usrMergeLinks: Record<string, string> = {
  bin: 'usr/bin',
  sbin: 'usr/sbin',
  lib: 'usr/lib',
  lib64: 'usr/lib64',
};

export async function unpackDebs(debs: string[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [link, target] of Object.entries(usrMergeLinks)) {
    await mkdir(join(root, target), { recursive: true });
    await symlink(target, join(root, link));
  }
  const script = 'for f in "$@"; do dpkg-deb --fsys-tarfile "$f" || exit 1; done | tar -x -i -p --no-same-owner --keep-directory-symlink -C "$KILN_ROOT"';
  await run('bash', ['-c', `set -eo pipefail; ${script}`, 'bash', ...debs], {
    what: `unpack ${debs.length} Debian packages into ${root}`,
    env: { KILN_ROOT: root },
  });
}
