// Reproducible images (SOURCE_DATE_EPOCH set): the guest steps after cleanup.d that take out
// what differs between two builds of the same inputs. Two parts:
// - the tree: logs, caches, ids and seeds a build leaves behind go, and every mtime newer
//   than SOURCE_DATE_EPOCH is clamped to it;
// - the filesystem: a kernel-written ext4 carries ctimes, a journal and inode placement
//   that no two runs share, so the finished tree is written again in one pass with
//   `mke2fs -d`, never mounted read-write afterwards. mke2fs 1.47.0 copies each inode's
//   ctime from its source, which no tool can set; a squashfs of the tree has none (its
//   atime and ctime read back as the mtime), so that is what mke2fs reads.
import { filesystemDevice, renderMkfsScript, type Plan } from '../blockdev/index.js';
import { quote } from '../quote.js';

/** Paths under the image root that hold per-run state, removed outright. */
export const volatilePaths = [
  'var/cache/ldconfig/aux-cache', // stat() data of every library: inode numbers, ctimes
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  'var/lib/systemd/random-seed',
  'var/lib/urandom/random-seed',
  'var/lib/systemd/catalog/database', // rebuilt at boot by systemd-journal-catalog-update
  'var/lib/dbus/machine-id', // a copy, when not a link to /etc/machine-id
  'root/.bash_history',
  'root/.lesshst',
  'root/.wget-hsts',
];

/**
 * Clean the tree at `root` in place. machine-id is emptied, not removed: systemd then treats
 * the first boot as one and writes a fresh id, as Debian's cloud images do. Logs are
 * truncated rather than removed so services find the files they own.
 */
export function normaliseTree(root: string, epoch: number): string {
  const r = quote(root);
  const days = Math.floor(epoch / 86400);
  return `set -e
cd ${r}
rm -f ${volatilePaths.map((p) => `./${p}`).join(' ')}
rm -f ./var/cache/debconf/*-old
[ -f etc/machine-id ] && : > etc/machine-id
[ -d var/log ] && find var/log -xdev -type f -exec truncate -s 0 {} +
# run/ is a tmpfs at boot: what the build left there (blkid's cache...) is never seen
for d in tmp var/tmp run; do [ -d "$d" ] && [ ! -L "$d" ] && find "$d" -mindepth 1 -xdev -delete; done
[ -d var/cache/man ] && find var/cache/man -xdev -name index.db -delete
# the days-since-epoch of the last password change: clamped like an mtime
for f in etc/shadow etc/shadow-; do
  [ -f "$f" ] || continue
  awk -F: -v OFS=: -v d=${days} '$3 != "" && $3 > d { $3 = d } { print }' "$f" > "$f.kiln" && cat "$f.kiln" > "$f" && rm -f "$f.kiln"
done
# last: everything above touched directories too
find . -xdev -newermt @${epoch} -print0 | xargs -0r touch -h -d @${epoch}
`;
}

/**
 * An uncompressed squashfs of the finished tree (the one-pass mkfs reads it back). No
 * compression and no duplicate search: it lives for seconds on the scratch drive.
 */
export function squashTree(root: string, dest: string): string {
  return `set -e
rm -f ${quote(dest)}
mksquashfs ${quote(root)} ${quote(dest)} -one-file-system -noI -noD -noF -noX -no-duplicates -no-progress -quiet -e lost+found >/dev/null
`;
}

/** Mount a squashfs image file read-only at `dir`. */
export function mountSquash(image: string, dir: string): string {
  return `set -e
modprobe loop
mkdir -p ${quote(dir)}
mount -t squashfs -o ro "$(losetup -f --show -r ${quote(image)})" ${quote(dir)}
`;
}

/**
 * The root filesystem in one pass: `mke2fs -d` from `tree` into a file on the scratch
 * drive, then copied onto the zeroed partition in 4 MiB writes, skipping zero blocks.
 * Straight onto the device, mke2fs writes block by block and under emulation every
 * write is a virtio round trip: minutes instead of seconds. Zeroing first (write-zeroes
 * keeps the target drive sparse) means nothing of the first, read-write pass survives in
 * blocks mke2fs does not write, and lets the copy skip zeros.
 */
export function onePassRootScript(plan: Plan, o: { device: string; tree: string; scratchFile: string; epoch: number }): string {
  const root = plan.filesystems.find((f) => f.name === plan.root.filesystem)!;
  const dev = quote(filesystemDevice(plan, root, { device: o.device }));
  const img = quote(o.scratchFile);
  return `set -e
blkdiscard -z -f ${dev} 2>/dev/null || dd if=/dev/zero of=${dev} bs=4M conv=fsync status=none
rm -f ${img}
truncate -s "$(blockdev --getsize64 ${dev})" ${img}
${renderMkfsScript(plan, { device: o.device, devicePaths: { [root.base]: o.scratchFile }, populateRootFrom: o.tree, sourceDateEpoch: o.epoch })}
dd if=${img} of=${dev} bs=4M conv=sparse,fsync status=none
rm -f ${img}
`;
}

/** GNU tar flags for a byte-identical archive of the same tree. */
export function reproducibleTarArgs(epoch: number): string[] {
  return ['--sort=name', '--format=posix', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', `--mtime=@${epoch}`, '--clamp-mtime'];
}
