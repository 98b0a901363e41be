// The target tree as a chroot: DIB's mount_proc_dev_sys and unmount_image, and the tree's
// size as DIB measures it. Pure renderers of guest shell text.
import { quote } from '../quote.js';
import { guestPaths } from './paths.js';
import { unmountMatching } from './drives.js';

/** DIB's mount_proc_dev_sys plus the read-only hooks bind at /tmp/in_target.d and resolv.conf. */
export function mountChroot(root: string): string {
  const r = quote(root);
  return `set -e
mkdir -p ${r}/proc ${r}/sys ${r}/dev ${r}/tmp/in_target.d
mountpoint -q ${r}/proc || mount -t proc proc ${r}/proc
mountpoint -q ${r}/sys || mount -o ro -t sysfs sysfs ${r}/sys
mountpoint -q ${r}/dev || mount --bind /dev ${r}/dev
mkdir -p ${r}/dev/pts; mountpoint -q ${r}/dev/pts || mount -t devpts -o newinstance,ptmxmode=0666 devpts ${r}/dev/pts
mountpoint -q ${r}/tmp/in_target.d || { mount --bind ${guestPaths.hooksPath} ${r}/tmp/in_target.d && mount -o remount,ro,bind ${r}/tmp/in_target.d; }
if [ -e ${r}/etc/resolv.conf ] || [ -L ${r}/etc/resolv.conf ]; then
  [ -e ${r}/etc/resolv.conf.ORIG ] || [ -L ${r}/etc/resolv.conf.ORIG ] || mv ${r}/etc/resolv.conf ${r}/etc/resolv.conf.ORIG
fi
mkdir -p ${r}/etc && rm -f ${r}/etc/resolv.conf && cat /etc/resolv.conf > ${r}/etc/resolv.conf
`;
}

/** Undo mountChroot: safe to run twice, and after a failure halfway. */
export function unmountChroot(root: string): string {
  const r = quote(root);
  return `for m in tmp/in_target.d dev/pts dev sys proc; do mountpoint -q ${r}/$m && { umount ${r}/$m || umount -l ${r}/$m; }; done
rmdir ${r}/tmp/in_target.d 2>/dev/null || true
if [ -e ${r}/etc/resolv.conf.ORIG ] || [ -L ${r}/etc/resolv.conf.ORIG ]; then rm -f ${r}/etc/resolv.conf; mv ${r}/etc/resolv.conf.ORIG ${r}/etc/resolv.conf; fi
true
`;
}

/**
 * Size of the finished tree in KiB, what DIB's du -x measures, but from the content alone:
 * each file's size in whole 4 KiB blocks (hard links once), one block per directory. du
 * counts a directory's blocks as they are, and a directory that once held many entries keeps
 * them (apt's archives after a fresh bootstrap), so the same tree unpacked from the cache
 * measured smaller and a cold build's image came out 128 KiB bigger than a warm one's.
 */
export function measureTree(root: string): string {
  return `rm -rf ${quote(root)}/lost+found
find ${quote(root)} -xdev -printf '%y %i %s\\n' | awk '$1 == "d" { k += 4; next } $1 == "f" && !seen[$2]++ { k += int(($3 + 4095) / 4096) * 4 } END { printf "%.0f\\n", k }'
`;
}

/**
 * DIB's unmount_image before the tree is measured and copied: whatever elements mounted
 * under it and left there (DIB's dpkg element bind-mounts its apt cache in root.d and
 * relies on this), innermost first.
 */
export function unmountAllUnder(root: string): string {
  return `${unmountMatching(`^${root.replace(/[.[\]()*+?^$|\\]/g, '\\$&')}/`)}true
`;
}
