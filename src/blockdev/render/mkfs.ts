// The mkfs step. Two ways to fill the root filesystem, both exposed:
// - empty: make every filesystem empty, mount them in order, copy the tree in (DIB's way;
//   needed when finalise.d must run on the mounted image, e.g. grub-install);
// - populate: `mke2fs -d DIR` writes the finished tree while creating the filesystem, one
//   pass, never mounted read-write: the reproducible path, for a single ext root. (mke2fs
//   1.47.0 copies each file's atime and ctime from the source tree, so for identical bytes
//   the tree itself must carry fixed times.)
import type { Plan, PlannedFilesystem } from '../plan.js';
import { filesystemDevice, type DeviceOptions } from './devices.js';
import { scriptHeader, shCommand } from './shell.js';

export interface MkfsScriptOptions extends DeviceOptions {
  /** Fill the root filesystem from this guest directory with mke2fs -d (see canPopulateRoot). */
  populateRootFrom?: string;
  /** Clamp the timestamps mkfs writes itself (superblock, root inode, FAT volume). */
  sourceDateEpoch?: number;
}

export type Check = { ok: true } | { ok: false; why: string };

/** Whether the root can be made with mke2fs -d: one filesystem, ext2/3/4. */
export function canPopulateRoot(plan: Plan): Check {
  if (!plan.root.type.startsWith('ext')) return { ok: false, why: `the root filesystem is ${plan.root.type}; mke2fs -d needs ext2/3/4` };
  // an ESP (remade in one pass itself) and swap (a fixed header) are fine beside it; another
  // filesystem mounted below / would be filled with what the kernel wrote
  const others = plan.filesystems.filter((f) => f.name !== plan.root.filesystem && f.type !== 'vfat' && f.type !== 'swap');
  if (others.length) return { ok: false, why: `besides the root the layout has ${others.map((f) => `${f.name} (${f.type})`).join(', ')}; mke2fs -d fills only the root filesystem` };
  return { ok: true };
}

export interface MkfsCommandOptions {
  populateFrom?: string;
  wholeDisk?: boolean;
  /**
   * The disk's logical sector size. At 4096 the sizes that depend on it are given explicitly
   * (ext block size, FAT and XFS sector size), so a filesystem made in a plain file for the
   * disk is the one the disk itself would get.
   */
  sectorSize?: number;
  /**
   * Nothing taken from the clock or chance: mkfs.fat --invariant (dosfstools 4.2) stamps the
   * volume label entry with a fixed time; -i still sets the volume id. (mkfs.fat ignores
   * SOURCE_DATE_EPOCH: the label entry otherwise has the wall-clock time.)
   */
  reproducible?: boolean;
  /** FAT: sectors before the filesystem (its partition's start), when made in a file for a partition. */
  hiddenSectors?: number;
}

/** The mkfs command for one filesystem, as argv. */
export function mkfsCommand(fs: PlannedFilesystem, device: string, opts: MkfsCommandOptions = {}): string[] {
  const big = (opts.sectorSize ?? 512) > 512 ? opts.sectorSize! : undefined;
  switch (fs.type) {
    case 'ext2':
    case 'ext3':
    case 'ext4': {
      // -F: never stop to ask (a fresh disk may still look "in use" to mke2fs).
      const { rest, extended } = takeExtendedOptions(fs.options);
      const ext = extended.some((e) => e.startsWith('hash_seed=')) ? extended : [...extended, `hash_seed=${fs.hashSeed}`];
      // An ext block is never smaller than a sector; mke2fs picks 1024 for small filesystems.
      const block = big !== undefined && !rest.some((o) => o.startsWith('-b')) ? ['-b', String(big)] : [];
      const argv = [`mkfs.${fs.type}`, '-F', '-q', ...block, ...rest, '-L', fs.label, '-U', fs.uuid, '-E', ext.join(',')];
      if (opts.populateFrom !== undefined) argv.push('-d', opts.populateFrom);
      return [...argv, device];
    }
    case 'xfs':
      return ['mkfs.xfs', '-f', '-q', ...(big !== undefined ? ['-s', `size=${big}`] : []), ...fs.options, '-L', fs.label, '-m', `uuid=${fs.uuid}`, device];
    case 'vfat':
      // -I: allow a FAT filesystem on a whole, unpartitioned disk.
      return [
        'mkfs.vfat',
        ...(opts.reproducible ? ['--invariant'] : []),
        ...(opts.wholeDisk ? ['-I'] : []),
        ...(big !== undefined ? ['-S', String(big)] : []),
        ...(opts.hiddenSectors !== undefined ? ['-h', String(opts.hiddenSectors)] : []),
        ...fs.options,
        '-n', fs.label,
        '-i', fs.volumeId!,
        device,
      ];
    case 'swap':
      // DIB's mkswap: label and UUID, which fstab (LABEL=) and resume= find it by.
      return ['mkswap', ...fs.options, '-L', fs.label, '-U', fs.uuid, device];
  }
}

/**
 * mke2fs keeps only the last -E, so the user's extended options and kiln's hash_seed must
 * travel in one. Splits "-E a=1", "-Ea=1" out of an argument list.
 */
export function takeExtendedOptions(options: string[]): { rest: string[]; extended: string[] } {
  const rest: string[] = [];
  const extended: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o === '-E' && i + 1 < options.length) extended.push(...options[++i]!.split(','));
    else if (o.startsWith('-E') && o.length > 2) extended.push(...o.slice(2).split(','));
    else rest.push(o);
  }
  return { rest, extended: extended.filter((e) => e !== '') };
}

export function renderMkfsScript(plan: Plan, opts: MkfsScriptOptions): string {
  const out = [scriptHeader(`make filesystems on ${plan.disk.name}`)];
  if (opts.populateRootFrom !== undefined) {
    const check = canPopulateRoot(plan);
    if (!check.ok) throw new Error(`cannot populate the root filesystem from a directory: ${check.why}`);
  }
  if (opts.sourceDateEpoch !== undefined) {
    // e2fsprogs 1.47.0 reads only its own E2FSPROGS_FAKE_TIME; mkfs.fat neither (--invariant instead).
    out.push(`export SOURCE_DATE_EPOCH=${opts.sourceDateEpoch} E2FSPROGS_FAKE_TIME=${opts.sourceDateEpoch}`);
  }
  // populating from a tree remakes the root alone: the others (an ESP, swap) keep what they have
  const which = opts.populateRootFrom !== undefined ? plan.filesystems.filter((f) => f.name === plan.root.filesystem) : plan.filesystems;
  for (const fs of which) {
    const populateFrom = fs.name === plan.root.filesystem ? opts.populateRootFrom : undefined;
    const wholeDisk = fs.base === plan.disk.name;
    const reproducible = opts.sourceDateEpoch !== undefined;
    out.push(shCommand(mkfsCommand(fs, filesystemDevice(plan, fs, opts), { populateFrom, wholeDisk, sectorSize: plan.disk.sectorSize, reproducible })));
  }
  return out.join('\n') + '\n';
}
