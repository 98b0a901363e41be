// A FAT filesystem (the ESP) made again in one pass from its finished contents, so two builds
// of the same inputs give the same bytes. What the kernel's vfat driver wrote during the
// build (grub-install in finalise.d) carries wall-clock creation, access and modification
// times, and clusters in the order things happened to be written. After finalise.d:
//   1. copy the ESP's files out and unmount it;
//   2. every mtime to SOURCE_DATE_EPOCH;
//   3. in a file the size of the partition: mkfs.fat --invariant with the planned label and
//      volume id (and the partition's start as hidden sectors, as mkfs.fat on the partition
//      would write), then mtools: directories (mmd) and files (mcopy -m) one at a time in
//      byte order of their paths. mtools stamps what it creates with SOURCE_DATE_EPOCH and
//      copies mtimes with -m; TZ=UTC because FAT keeps local time;
//   4. zero the partition and write the file onto it; mount it again read-only.
// Step 3 is its own script (renderVfatFromTreeScript): it needs no root and no device, so it
// also runs on a host.
import type { Plan, PlannedFilesystem } from '../plan.js';
import { filesystemDevice, type DeviceOptions } from './devices.js';
import { mkfsCommand } from './mkfs.js';
import { scriptHeader, shCommand, shQuote } from './shell.js';

export interface VfatFromTreeOptions {
  /** Directory holding the filesystem's contents. */
  tree: string;
  /** File to make the filesystem in (created or truncated). */
  image: string;
  /** Bytes of the file: the partition's size. A shell word is accepted ("$(blockdev --getsize64 /dev/x)"). */
  sizeBytes: number | string;
  epoch: number;
}

/** The FAT filesystem of the plan, by mkfs node name (or the first vfat when none is named). */
export function vfatFilesystem(plan: Plan, name?: string): PlannedFilesystem {
  const fs = plan.filesystems.find((f) => (name === undefined ? f.type === 'vfat' : f.name === name));
  if (!fs || fs.type !== 'vfat') throw new Error(`kiln bug: the plan has no vfat filesystem${name ? ` named ${name}` : ''}`);
  return fs;
}

/** Shell: the plan's FAT filesystem made in a plain file from a directory, byte-for-byte reproducibly. */
export function renderVfatFromTreeScript(plan: Plan, fs: PlannedFilesystem, o: VfatFromTreeOptions): string {
  const part = plan.table?.partitions.find((p) => p.name === fs.base);
  const mkfs = mkfsCommand(fs, o.image, {
    sectorSize: plan.disk.sectorSize,
    reproducible: true,
    wholeDisk: fs.base === plan.disk.name,
    hiddenSectors: part?.startSector,
  });
  const size = typeof o.sizeBytes === 'number' ? String(o.sizeBytes) : o.sizeBytes;
  return [
    scriptHeader(`make ${fs.name} (${fs.label}) again from ${o.tree}`),
    // mtools: SOURCE_DATE_EPOCH is "now"; FAT times are local times; no checks of the geometry it did not make.
    `export SOURCE_DATE_EPOCH=${o.epoch} TZ=UTC MTOOLS_SKIP_CHECK=1 LC_ALL=C`,
    `img=${shQuote(o.image)}`,
    `tree=${shQuote(o.tree)}`,
    'rm -f "$img"',
    `truncate -s ${size} "$img"`,
    // FAT keeps modification times to 2 seconds; every one is the epoch.
    `find "$tree" -exec touch -h -d @${o.epoch} {} +`,
    `${shCommand(mkfs.slice(0, -1))} "$img" >/dev/null`,
    'cd "$tree"',
    'find . -mindepth 1 -type d -print | sort | while IFS= read -r d; do mmd -i "$img" "::${d#.}"; done',
    'find . -mindepth 1 ! -type d -print | sort | while IFS= read -r f; do mcopy -m -i "$img" "$f" "::${f#.}" </dev/null; done',
    '',
  ].join('\n');
}

export interface VfatRebuildOptions extends DeviceOptions {
  /** Where the filesystem is mounted in the guest now (e.g. $TMP_MOUNT_PATH/boot/efi); a literal path. */
  mountedAt: string;
  /** A scratch directory and file in the guest (on the scratch drive, not tmpfs-limited). */
  staging: string;
  scratchFile: string;
  epoch: number;
  /** Mount it again read-only where it was (default true), so tree exports still see the files. */
  remount?: boolean;
}

/** Shell, for the guest after finalise.d: the mounted FAT filesystem rewritten reproducibly in place. */
export function renderVfatRebuildScript(plan: Plan, fs: PlannedFilesystem, o: VfatRebuildOptions): string {
  const dev = filesystemDevice(plan, fs, o);
  const inner = renderVfatFromTreeScript(plan, fs, { tree: o.staging, image: o.scratchFile, sizeBytes: '"$(blockdev --getsize64 "$dev")"', epoch: o.epoch });
  return [
    scriptHeader(`rewrite ${fs.name} on ${dev} reproducibly`),
    `dev=${shQuote(dev)}`,
    `mnt=${shQuote(o.mountedAt)}`,
    `stage=${shQuote(o.staging)}`,
    'mountpoint -q "$mnt" || { echo "kiln: $mnt is not mounted; nothing to rewrite" >&2; exit 1; }',
    'rm -rf "$stage"',
    'mkdir -p "$stage"',
    'cp -a "$mnt"/. "$stage"/',
    'umount "$mnt"',
    // The inner script in a subshell: its cd and exports stay there.
    '(',
    inner.split('\n').slice(3).join('\n').trimEnd(),
    ')',
    // Zeroing first: nothing of the kernel-written filesystem survives in blocks the copy skips.
    'blkdiscard -z -f "$dev" 2>/dev/null || dd if=/dev/zero of="$dev" bs=4M conv=fsync status=none 2>/dev/null || true',
    `dd if=${shQuote(o.scratchFile)} of="$dev" bs=4M conv=sparse,fsync status=none`,
    `rm -rf "$stage" ${shQuote(o.scratchFile)}`,
    ...((o.remount ?? true) ? [`mount -t vfat -o ro "$dev" "$mnt"`] : []),
    '',
  ].join('\n');
}
