// The appliance's drives: found by the serial QEMU gave them, formatted, mounted, and let go
// again clean whatever happened (the helper drive must never be left half-written).
import { guestPaths } from './paths.js';

/** Find a drive by the serial QEMU gave it (no udev in the appliance, so no by-id links). */
export const devBySerial = `dev_by_serial() { for d in /sys/block/vd*; do [ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/\${d##*/}"; return 0; }; done; echo "kiln: no drive with serial $1" >&2; return 1; }\n`;

/** What prepareDrives says on stderr when the helper drive cannot be formatted or mounted. */
export const HELPER_DRIVE_UNUSABLE = 'kiln-helper-drive-unusable';

export function prepareDrives(o: { scratchSerial: string; cacheSerial?: string; repoSerial?: string }): string {
  const p = guestPaths;
  let s = `set -e\n${devBySerial}`;
  s += `scratch=$(dev_by_serial ${o.scratchSerial})\n`;
  s += `mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 -O ^has_journal "$scratch"\n`;
  s += `mkdir -p ${p.buildDir} && mount -o noatime "$scratch" ${p.buildDir}\n`;
  s += `mkdir -p ${p.mountPath} ${p.imageDir} ${p.cache}\n`;
  if (o.cacheSerial) {
    s += `cache=$(dev_by_serial ${o.cacheSerial})\n`;
    // a drive that cannot be made or mounted says so in a word the host recognises (HELPER_DRIVE_UNUSABLE)
    s += `blkid -p "$cache" >/dev/null 2>&1 || mkfs.ext4 -q -F -L kiln-cache "$cache" || { echo ${HELPER_DRIVE_UNUSABLE} >&2; exit 1; }\n`;
    s += `mount -o noatime "$cache" ${p.cache} || { echo ${HELPER_DRIVE_UNUSABLE} >&2; exit 1; }\n`;
  }
  if (o.repoSerial) {
    s += `mkdir -p ${p.repo} && mount -t squashfs -o ro "$(dev_by_serial ${o.repoSerial})" ${p.repo}\n`;
  }
  return s;
}

/**
 * A loop device over the first `bytes` of the target drive: the image is exactly that big,
 * with the layout's logical sector size (4096 for a 4K-sector image).
 */
export function attachTarget(serial: string, bytes: number, sectorSize = 512): string {
  return `set -e\n${devBySerial}modprobe loop\ndev=$(dev_by_serial ${serial})\nlosetup --show -f -P --sector-size ${sectorSize} --sizelimit ${bytes} "$dev"\n`;
}

/** Unmount every mount point that matches the extended regex `pattern`, innermost first. */
export function unmountMatching(pattern: string): string {
  return `for m in $(awk '{print $2}' /proc/mounts | grep -E '${pattern}' | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done\n`;
}

/**
 * Unmount everything under the build and the repository, innermost first, then the helper
 * drive (the chroot bind-mounts parts of it: those go first), then sync.
 */
export function releaseDrives(): string {
  const p = guestPaths;
  return `${unmountMatching(`^(${p.buildDir}|${p.repo})(/|$)`)}${unmountMatching(`^${p.cache}(/|$)`)}losetup -D 2>/dev/null
sync
`;
}

/**
 * Exit status 0 once the helper drive's filesystem is let go of entirely: its ext4 instance
 * (/sys/fs/ext4/DEV) is gone, so nothing holds it, not even a lazily unmounted bind, and its
 * journal is clean. Only then may the host merge what the build wrote into the drive.
 */
export function helperDriveReleased(cacheSerial: string): string {
  return `${devBySerial}dev=$(dev_by_serial ${cacheSerial}) || exit 1
sync
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "/sys/fs/ext4/\${dev##*/}" ] || exit 0; sleep 0.2; done
echo "kiln: the helper drive is still mounted or held" >&2
exit 1
`;
}
