// The fixed guest steps around element phases (scratch drive, chroot mounts, block device),
// rendered as shell text from pure functions.
import { quote } from '../env/quote.js';
import { guestPaths } from './table.js';

/** Find a drive by the serial QEMU gave it (no udev in the appliance, so no by-id links). */
export const devBySerial = `dev_by_serial() { for d in /sys/block/vd*; do [ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/\${d##*/}"; return 0; }; done; echo "kiln: no drive with serial $1" >&2; return 1; }\n`;

export function prepareDrives(o: { scratchSerial: string; cacheSerial?: string; repoSerial?: string }): string {
  const p = guestPaths;
  let s = `set -e\n${devBySerial}`;
  s += `scratch=$(dev_by_serial ${o.scratchSerial})\n`;
  s += `mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 -O ^has_journal "$scratch"\n`;
  s += `mkdir -p ${p.buildDir} && mount -o noatime "$scratch" ${p.buildDir}\n`;
  s += `mkdir -p ${p.mountPath} ${p.imageDir} ${p.cache}\n`;
  if (o.cacheSerial) {
    s += `cache=$(dev_by_serial ${o.cacheSerial})\n`;
    s += `blkid -p "$cache" >/dev/null 2>&1 || mkfs.ext4 -q -F -L kiln-cache "$cache"\n`;
    s += `mount -o noatime "$cache" ${p.cache}\n`;
  }
  if (o.repoSerial) {
    s += `mkdir -p ${p.repo} && mount -t squashfs -o ro "$(dev_by_serial ${o.repoSerial})" ${p.repo}\n`;
  }
  return s;
}

/** DIB's mount_proc_dev_sys plus the read-only hooks bind at /tmp/in_target.d and resolv.conf. */
export function mountChroot(root: string): string {
  const r = quote(root);
  return `set -e
mkdir -p ${r}/proc ${r}/sys ${r}/dev ${r}/tmp/in_target.d
mountpoint -q ${r}/proc || mount -t proc proc ${r}/proc
mountpoint -q ${r}/sys || mount -t sysfs sysfs ${r}/sys
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

/** Size of the finished tree in KiB, as DIB measures it (du -a -c -x). */
export function measureTree(root: string): string {
  return `rm -rf ${quote(root)}/lost+found; du -s -x -k ${quote(root)} | cut -f1\n`;
}

/** A loop device over the first `bytes` of the target drive: the image is exactly that big. */
export function attachTarget(serial: string, bytes: number): string {
  return `set -e\n${devBySerial}modprobe loop\ndev=$(dev_by_serial ${serial})\nlosetup --show -f -P --sizelimit ${bytes} "$dev"\n`;
}

/** Unmount every mount point that matches the extended regex `pattern`, innermost first. */
function unmountMatching(pattern: string): string {
  return `for m in $(awk '{print $2}' /proc/mounts | grep -E '${pattern}' | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done\n`;
}

/** Unmount everything under the build and the helper drive, innermost first, then sync. */
export function releaseDrives(): string {
  const p = guestPaths;
  return `${unmountMatching(`^(${p.buildDir}|${p.cache}|${p.repo})(/|$)`)}losetup -D 2>/dev/null
sync
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
