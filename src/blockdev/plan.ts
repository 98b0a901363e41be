// Config -> Plan: pure data saying exactly what the guest will do to the target disk.
// Everything a build writes is decided here (sector offsets, labels, UUIDs, hash seeds, mount
// order, fstab lines) so the guest scripts are a rendering of this and nothing else.
import { parseBlockDeviceConfig, type RawNode } from './config.js';
import { UsageError } from '../errors.js';
import { BlockDeviceError, SectorSizeError } from './errors.js';
import { buildGraph, type Graph } from './graph.js';
import { deriveId32, deriveUuid } from './ids.js';
import { layoutTable, type PlannedTable } from './layout.js';
import { planLvm, type PlannedLvm } from './lvm-plan.js';
import { dibRootMkfsOptions } from './dib-params.js';
import { checkUuid, FS_TYPES, MAX_LABEL, sectorSize, typeNodes, type FsType, type MkfsNode, type SectorSize } from './nodes.js';

/**
 * The mkfs node DIB gives the root options to (--fs-type, --root-label, the root's mkfs
 * options): found by this name, not by what is mounted at "/" (DIB's _merge_rootfs_params).
 */
export const ROOT_MKFS_NAME = 'mkfs_root';

export interface PlannedFilesystem {
  /** The mkfs node's name. */
  name: string;
  /** The partition, logical volume or disk it is made on. */
  base: string;
  /** Partition number, or undefined when the filesystem spans the whole disk. */
  partition?: number;
  type: FsType;
  label: string;
  /** ext/xfs/swap: RFC 4122 UUID; vfat: "ABCD-1234", the form blkid and fstab use. */
  uuid: string;
  /** ext2/3/4: the directory hash seed (else htree order would differ per build). */
  hashSeed?: string;
  /** vfat: the volume id as 8 hex digits, for mkfs.vfat -i. */
  volumeId?: string;
  /** Extra mkfs arguments: the config's `opts` (mkfs_root: else DIB's defaults; then --mkfs-options). */
  options: string[];
  /** Where it is mounted; undefined when it is not (swap, or no mount node). */
  mountPoint?: string;
}

export interface PlannedMount {
  name: string;
  filesystem: string;
  mountPoint: string;
}

export interface FstabEntry {
  /** An absolute path, or "none" for swap. */
  mountPoint: string;
  filesystem: string;
  type: FsType;
  label: string;
  uuid: string;
  options: string;
  dumpFreq: number;
  fsckPassno: number;
}

export interface Plan {
  /** sectorSize: the disk's logical sector size; the target disk must be attached with it. */
  disk: { name: string; sizeBytes: number; sectorSize: SectorSize };
  /** Undefined when the one filesystem is made on the whole disk (DIB's fallback layout). */
  table?: PlannedTable;
  /** Physical volumes, groups and logical volumes, when the layout uses LVM. */
  lvm?: PlannedLvm;
  /** In creation order. */
  filesystems: PlannedFilesystem[];
  /** In mount order; unmount in reverse. Swap is never mounted. */
  mounts: PlannedMount[];
  /** Mounts that have an fstab node, in mount order, then swap. */
  fstab: FstabEntry[];
  /** The filesystem mounted at "/": what DIB_ROOT_LABEL and DIB_ROOT_FSTYPE report. */
  root: { filesystem: string; type: FsType; label: string; uuid: string };
  /** Mount points as the config writes them, in config order: DIB_MOUNTPOINTS. */
  mountPoints: string[];
  /** Node names in creation order, for logs and debugging. */
  order: string[];
  /** Things kiln ignored (unknown fields); the caller logs them. */
  warnings: string[];
}

export interface PlanOptions {
  /** Every UUID, GUID, hash seed and disk id derives from this. */
  seed: string;
  /** Bytes; used when the local_loop has no size (DIB_IMAGE_SIZE, see dibImageSize). */
  imageSize?: number;
  /** DIB_BLOCK_SIZE: the disk's logical sector size; wins over the local_loop's block_size, as in DIB. */
  blockSize?: string | number;
  /**
   * --fs-type, only when the user gave it: replaces the type of mkfs_root.
   * (DIB only fills FS_TYPE in where the config has no type, which silently ignores
   * --fs-type with block-device-efi; kiln does not.) Without it: config, else ext4.
   */
  fsType?: string;
  /**
   * --root-label: the label of mkfs_root when the config gives it none (DIB's rule: a label
   * in the config wins, and kiln warns that the option was not used). Without either:
   * cloudimg-rootfs, or img-rootfs on xfs.
   */
  rootLabel?: string;
  /** --mkfs-options: appended to mkfs_root's options (later options win in mkfs). */
  mkfsOptions?: string;
  /** --mkfs-journal-size, --max-online-resize, DIB_RELEASE: DIB's ext root defaults. */
  journalSizeMiB?: number;
  maxOnlineResize?: string | number;
  release?: string;
}

/** Parse DIB block-device YAML and plan it. */
export function planFromYaml(text: string, opts: PlanOptions): Plan {
  return plan(parseBlockDeviceConfig(text), opts);
}

export function plan(raw: RawNode[], opts: PlanOptions): Plan {
  if (opts.fsType !== undefined && !(FS_TYPES as readonly string[]).includes(opts.fsType)) {
    throw new UsageError(`--fs-type ${opts.fsType}: kiln can make ${FS_TYPES.join(', ')}`);
  }
  const { nodes, warnings } = typeNodes(raw);
  const graph = buildGraph(nodes);
  const sector = opts.blockSize !== undefined ? blockSizeOption(opts.blockSize) : (graph.disk.blockSize ?? 512);
  const diskBytes = diskSize(graph, opts.imageSize, sector);
  const table = graph.table ? layoutTable(graph.table, graph.disk.name, diskBytes, opts.seed, sector) : undefined;
  const lvm = planLvm(graph, table, diskBytes, sector, warnings);

  const rootMkfs = graph.filesystems.find((fs) => fs.name === ROOT_MKFS_NAME);
  if (!rootMkfs && (opts.rootLabel !== undefined || opts.fsType !== undefined || opts.mkfsOptions !== undefined)) {
    warnings.push(`the layout has no filesystem named ${ROOT_MKFS_NAME}, so --fs-type, --root-label and --mkfs-options do not apply (as in DIB)`);
  }
  const mountOf = new Map(graph.mounts.filter((m) => m.mountPoint !== 'none').map((m) => [m.base, m.mountPoint]));
  const labels = new Map<string, string>();
  const filesystems = graph.filesystems.map((fs) => {
    const planned = planFilesystem(fs, fs === rootMkfs ? opts : undefined, opts.seed, table, mountOf.get(fs.name), warnings);
    const other = labels.get(planned.label);
    if (other) throw new BlockDeviceError(`label "${planned.label}" is also used by "${other}"`, fs.name, 'label');
    labels.set(planned.label, fs.name);
    return planned;
  });
  const byName = new Map(filesystems.map((f) => [f.name, f]));
  const mounts = checkMounts(graph, byName, warnings);
  const rootMount = mounts.find((m) => m.mountPoint === '/');
  if (!rootMount) throw new BlockDeviceError('no filesystem is mounted at "/"', undefined, undefined);
  const root = byName.get(rootMount.base)!;

  return {
    disk: { name: graph.disk.name, sizeBytes: diskBytes, sectorSize: sector },
    table,
    lvm,
    filesystems,
    mounts: mounts.map((m) => ({ name: m.name, filesystem: m.base, mountPoint: m.mountPoint })),
    fstab: fstabEntries(graph, byName),
    root: { filesystem: root.name, type: root.type, label: root.label, uuid: root.uuid },
    mountPoints: [...graph.mounts].sort((a, b) => a.index - b.index).map((m) => m.mountPoint),
    order: graph.order,
    warnings,
  };
}

function blockSizeOption(value: string | number): SectorSize {
  try {
    return sectorSize(String(value), undefined, 'DIB_BLOCK_SIZE');
  } catch (err) {
    throw new BlockDeviceError(`DIB_BLOCK_SIZE=${value}: ${(err as Error).message.replace(/^block-device config: /, '')}`, undefined, undefined, { cause: err });
  }
}

/** The mounts that mount something: swap never is (DIB writes its fstab line with "none"). */
function checkMounts(graph: Graph, byName: Map<string, PlannedFilesystem>, warnings: string[]): Graph['mounts'] {
  return graph.mounts.filter((m) => {
    const swap = byName.get(m.base)!.type === 'swap';
    if (!swap && m.mountPoint === 'none') throw new BlockDeviceError('only swap can have the mount point "none"', m.name, 'mount_point');
    if (swap && m.mountPoint !== 'none') warnings.push(`node "${m.name}": swap is not mounted; its mount point ${m.mountPoint} is written as "none" in fstab, as DIB does`);
    return !swap;
  });
}

function diskSize(graph: Graph, imageSize: number | undefined, sector: number): number {
  const size = graph.disk.size ?? imageSize;
  if (size === undefined) {
    throw new BlockDeviceError('has no size and no image size was given', graph.disk.name, 'size', {
      hint: 'set size: on the local_loop or pass --image-size',
    });
  }
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0) {
    throw new BlockDeviceError(`image size ${size} is not a positive multiple of 512 bytes`, graph.disk.name, 'size');
  }
  if (size % sector !== 0) {
    throw new SectorSizeError(`image size ${size} is not a whole number of ${sector}-byte sectors`, graph.disk.name, 'size');
  }
  return size;
}

function planFilesystem(
  fs: MkfsNode,
  root: PlanOptions | undefined,
  seed: string,
  table: PlannedTable | undefined,
  mountPoint: string | undefined,
  warnings: string[],
): PlannedFilesystem {
  const typeText = root?.fsType ?? fs.type ?? (root ? 'ext4' : undefined);
  if (typeText === undefined) {
    throw new BlockDeviceError(`is required (only the filesystem named ${ROOT_MKFS_NAME} defaults to --fs-type, else ext4)`, fs.name, 'type');
  }
  if (!(FS_TYPES as readonly string[]).includes(typeText)) {
    throw new BlockDeviceError(`"${typeText}" is not a filesystem kiln can make (${FS_TYPES.join(', ')})`, fs.name, 'type');
  }
  const type = typeText as FsType;
  if (root?.rootLabel !== undefined && fs.label !== undefined && fs.label !== root.rootLabel) {
    warnings.push(`node "${fs.name}": the config's label "${fs.label}" is kept; --root-label ${root.rootLabel} only fills in a missing one, as in DIB`);
  }
  const label = fsLabel(fs, type, fs.label ?? root?.rootLabel ?? (root ? rootLabel(type) : fs.name));
  // Options the config wrote for another filesystem type would make mkfs fail: --fs-type drops them.
  const typeChanged = fs.type !== undefined && fs.type !== type;
  if (typeChanged && fs.opts !== undefined) warnings.push(`node "${fs.name}": --fs-type ${type} replaces ${fs.type}, so its opts "${fs.opts}" are dropped`);
  const configOpts = typeChanged ? undefined : fs.opts;
  const options = splitOptions(configOpts ?? (root ? dibRootMkfsOptions({ ...root, fsType: type }) : undefined));
  if (root?.mkfsOptions) options.push(...splitOptions(root.mkfsOptions));
  const partition = table?.partitions.find((p) => p.name === fs.base)?.number;
  const base = { name: fs.name, base: fs.base, partition, type, label, options, mountPoint: type === 'swap' ? undefined : mountPoint };
  if (type === 'vfat') {
    const volumeId = fs.uuid ? checkUuid(type, fs.uuid, fs.name) : deriveId32(seed, 'vfat-volume-id', fs.name);
    return { ...base, uuid: `${volumeId.slice(0, 4)}-${volumeId.slice(4)}`.toUpperCase(), volumeId };
  }
  const uuid = fs.uuid ? checkUuid(type, fs.uuid, fs.name) : deriveUuid(seed, 'fs-uuid', fs.name);
  if (type === 'xfs' || type === 'swap') return { ...base, uuid };
  return { ...base, uuid, hashSeed: deriveUuid(seed, 'ext-hash-seed', fs.name) };
}

/** DIB's historical root label; too long for XFS, which gets "img-rootfs" instead. */
function rootLabel(type: FsType): string {
  return type === 'xfs' ? 'img-rootfs' : 'cloudimg-rootfs';
}

function fsLabel(fs: MkfsNode, type: FsType, wanted: string): string {
  // FAT labels are upper case on disk; DIB upper-cases them so LABEL= in fstab matches.
  const label = type === 'vfat' ? wanted.toUpperCase() : wanted;
  if (label.length > MAX_LABEL[type]) {
    throw new BlockDeviceError(`"${label}" is too long for ${type}: ${label.length} > ${MAX_LABEL[type]} characters`, fs.name, 'label');
  }
  if (label === '' || /[\s"'\\]/.test(label)) {
    throw new BlockDeviceError(`"${label}" must be non-empty and without whitespace, quotes or backslashes (it goes into fstab as LABEL=)`, fs.name, 'label');
  }
  return label;
}

/** DIB splits `opts` on spaces; kiln on any whitespace so YAML folding does not matter. */
function splitOptions(opts: string | undefined): string[] {
  return opts === undefined ? [] : opts.split(/\s+/).filter((s) => s !== '');
}

/** In mount order; swap ("none") sorts last, and its line is DIB's fixed "none swap sw 0 0". */
function fstabEntries(graph: Graph, byName: Map<string, PlannedFilesystem>): FstabEntry[] {
  const out: FstabEntry[] = [];
  for (const m of graph.mounts) {
    const f = graph.fstab.get(m.name);
    if (!f) continue;
    const fs = byName.get(m.base)!;
    const swap = fs.type === 'swap';
    out.push({
      mountPoint: swap ? 'none' : m.mountPoint,
      filesystem: fs.name,
      type: fs.type,
      label: fs.label,
      uuid: fs.uuid,
      options: swap ? 'sw' : f.options,
      dumpFreq: swap ? 0 : f.dumpFreq,
      fsckPassno: swap ? 0 : f.fsckPassno,
    });
  }
  return out;
}
