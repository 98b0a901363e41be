// The build tree's moves in the guest between element phases, as DIB's disk-image-create makes
// them: aside to built/ while the disk is made, copied into the mounted filesystems, and the
// files elements leave for the host in the image dir. Pure renderers of guest shell text.
import { quote } from '../quote.js';
import { CHROOT_PATH, guestPaths } from './paths.js';
import { exportLines } from './script-run.js';

/** mnt/ -> built/, and an empty mnt/ for the filesystems to be mounted on. */
export function moveTreeAside(): string {
  const p = guestPaths;
  return `set -e\nmv ${p.mountPath} ${p.builtPath}\nmkdir -p ${p.mountPath}\n`;
}

/** built/ -> the mounted filesystems (cp, not mv: a top-level dir may be a mount point). */
export function copyTreeIntoImage(): string {
  const p = guestPaths;
  return `set -e\ncp -a ${p.builtPath}/. ${p.mountPath}/\nrm -rf ${p.builtPath}\n`;
}

/** DIB's do_extra_package_install: install-packages in the chroot with the install.d environment. */
export function installExtraPackages(env: Record<string, string>, packages: readonly string[]): string {
  return `set -e\n${exportLines(env)}chroot ${guestPaths.mountPath} /usr/bin/env PATH="${CHROOT_PATH}" install-packages ${packages.map(quote).join(' ')}\n`;
}

/** The image's dpkg status file (empty when it has none): the manifest's package list. */
export function readDpkgStatus(tree: string): string {
  return `cat ${quote(`${tree}/var/lib/dpkg/status`)} 2>/dev/null || true\n`;
}

/** The names of the files elements left in the image dir (TMP_IMAGE_DIR), one per line. */
export function listImageDir(): string {
  return `set -e\ncd ${guestPaths.imageDir}\nls -1A\n`;
}

/** Copy `files` of the image dir to `dest` (a fresh dir), for one transfer to the host. */
export function stageImageFiles(files: readonly string[], dest: string): string {
  return `set -e\nrm -rf ${quote(dest)}\nmkdir -p ${quote(dest)}\ncd ${guestPaths.imageDir}\ncp ${files.map(quote).join(' ')} ${quote(dest)}/\n`;
}
