// Raw graph nodes -> typed, validated nodes. Each check names the node and the field.
// Fields DIB would ignore are reported as warnings rather than errors, so an upstream config
// with a key kiln does not know still builds, but a typo such as `fsck_passno` is visible.
import type { FieldValue, RawNode, RawPartition } from './config.js';
import { isAbsent } from './config.js';
import { BlockDeviceError } from './errors.js';
import { gptTypeGuid } from './gpt-types.js';
import { UUID_RE } from './ids.js';
import { typeLvm, type LvmNode } from './lvm.js';
import { bytes, int, list, opt, req, single, warnUnknownFields } from './fields.js';
import { parseSize, type SizeSpec } from './size.js';

export type FsType = 'ext2' | 'ext3' | 'ext4' | 'xfs' | 'vfat' | 'swap';
export const FS_TYPES: readonly FsType[] = ['ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'swap'];

/** DIB's maximum label lengths; labels longer than this are truncated or rejected by mkfs. */
export const MAX_LABEL: Record<FsType, number> = { ext2: 16, ext3: 16, ext4: 16, xfs: 12, vfat: 11, swap: 16 };

/** Logical sector sizes kiln lays disks out in (DIB tests the same two). */
export const SECTOR_SIZES = [512, 4096] as const;
export type SectorSize = (typeof SECTOR_SIZES)[number];

export interface LocalLoopNode {
  plugin: 'local_loop';
  name: string;
  index: number;
  size?: number;
  /** `block_size`: the disk's logical sector size. */
  blockSize?: SectorSize;
}
export interface PartitionNode {
  plugin: 'partition';
  name: string;
  index: number;
  /** The partitioning node this partition belongs to. */
  table: string;
  base: string;
  size: SizeSpec;
  boot: boolean;
  primary: boolean;
  /** As written (for messages and plans): "EF00", "0x83"... */
  typeCode: string;
  /** MBR: two hex digits; GPT: the type GUID. */
  type: string;
}
export interface PartitioningNode {
  plugin: 'partitioning';
  name: string;
  index: number;
  base: string;
  label: 'mbr' | 'gpt';
  alignBytes: number;
  partitions: PartitionNode[];
}
export interface MkfsNode {
  plugin: 'mkfs';
  name: string;
  index: number;
  base: string;
  type?: FsType;
  label?: string;
  opts?: string;
  uuid?: string;
}
/** `mountPoint` is an absolute path, or "none" (swap, which is never mounted). */
export interface MountNode { plugin: 'mount'; name: string; index: number; base: string; mountPoint: string }
export interface FstabNode {
  plugin: 'fstab';
  name: string;
  index: number;
  base: string;
  options: string;
  dumpFreq: number;
  fsckPassno: number;
}

export type TypedNode = LocalLoopNode | PartitioningNode | LvmNode | MkfsNode | MountNode | FstabNode;

export interface TypedConfig {
  nodes: TypedNode[];
  warnings: string[];
}

const KNOWN: Record<string, readonly string[]> = {
  local_loop: ['size', 'directory', 'block_size'],
  partitioning: ['label', 'align'],
  partition: ['flags', 'size', 'type'],
  mkfs: ['type', 'label', 'opts', 'uuid'],
  mount: ['mount_point'],
  fstab: ['options', 'dump-freq', 'fsck-passno'],
};

export function typeNodes(raw: RawNode[]): TypedConfig {
  const warnings: string[] = [];
  const nodes = raw.map((n) => typeNode(n, warnings));
  return { nodes, warnings };
}

function typeNode(n: RawNode, warnings: string[]): TypedNode {
  warnUnknown(n.name, n.plugin, n.fields, warnings);
  switch (n.plugin) {
    case 'local_loop': {
      const size = opt(n, 'size');
      const blockSize = opt(n, 'block_size');
      return {
        plugin: 'local_loop',
        name: n.name,
        index: n.index,
        size: size === undefined ? undefined : diskSize(size, n.name),
        blockSize: blockSize === undefined ? undefined : sectorSize(blockSize, n.name, 'block_size'),
      };
    }
    case 'partitioning':
      return partitioning(n, warnings);
    case 'lvm':
      return typeLvm(n, warnings);
    case 'mkfs':
      return mkfs(n);
    case 'mount': {
      const mp = req(n, 'mount_point');
      return { plugin: 'mount', name: n.name, index: n.index, base: needBase(n), mountPoint: mountPoint(mp, n.name) };
    }
    case 'fstab':
      return {
        plugin: 'fstab',
        name: n.name,
        index: n.index,
        base: needBase(n),
        options: opt(n, 'options') ?? 'defaults',
        dumpFreq: int(opt(n, 'dump-freq') ?? '0', n.name, 'dump-freq'),
        fsckPassno: int(opt(n, 'fsck-passno') ?? '2', n.name, 'fsck-passno'),
      };
  }
}

function partitioning(n: RawNode, warnings: string[]): PartitioningNode {
  const base = needBase(n);
  const label = req(n, 'label');
  if (label !== 'mbr' && label !== 'gpt') throw new BlockDeviceError(`must be "mbr" or "gpt", not "${label}"`, n.name, 'label');
  const alignText = opt(n, 'align');
  // 1 MiB: what every modern partitioner uses; the target's I/O sizes are unknown here.
  const alignBytes = alignText === undefined ? 1024 * 1024 : bytes(alignText, n.name, 'align');
  if (alignBytes < 512 || alignBytes % 512 !== 0) {
    throw new BlockDeviceError('must be a positive multiple of 512 bytes', n.name, 'align');
  }
  if (!n.partitions || n.partitions.length === 0) throw new BlockDeviceError('needs at least one partition', n.name, 'partitions');
  const partitions = n.partitions.map((p) => partition(p, n.name, label, warnings));
  return { plugin: 'partitioning', name: n.name, index: n.index, base, label, alignBytes, partitions };
}

function partition(p: RawPartition, table: string, label: 'mbr' | 'gpt', warnings: string[]): PartitionNode {
  warnUnknown(p.name, 'partition', p.fields, warnings);
  const flags = list(p.fields.flags, p.name, 'flags');
  for (const f of flags) {
    if (f !== 'boot' && f !== 'primary') throw new BlockDeviceError(`unknown flag "${f}" (DIB knows: boot, primary)`, p.name, 'flags');
  }
  if (label === 'gpt' && flags.includes('primary')) {
    throw new BlockDeviceError('"primary" only means something on an mbr label; remove it for gpt', p.name, 'flags');
  }
  const sizeText = p.fields.size;
  if (sizeText === undefined || isAbsent(sizeText)) throw new BlockDeviceError('is required', p.name, 'size');
  let size: SizeSpec;
  try {
    size = parseSize(single(sizeText, p.name, 'size'));
  } catch (err) {
    throw new BlockDeviceError((err as Error).message, p.name, 'size');
  }
  const typeText = p.fields.type === undefined || isAbsent(p.fields.type) ? undefined : single(p.fields.type, p.name, 'type');
  if (label === 'gpt' && p.name.length > 36) {
    throw new BlockDeviceError('GPT partition names hold at most 36 characters', p.name, 'name');
  }
  if (/["\\\n\r]/.test(p.name)) throw new BlockDeviceError('partition names cannot contain quotes, backslashes or newlines', p.name, 'name');
  const { typeCode, type } = label === 'gpt' ? gptType(typeText, p.name) : mbrType(typeText, p.name);
  return {
    plugin: 'partition',
    name: p.name,
    index: p.index,
    table,
    base: p.base,
    size,
    boot: flags.includes('boot'),
    primary: flags.includes('primary'),
    typeCode,
    type,
  };
}

function mbrType(text: string | undefined, node: string): { typeCode: string; type: string } {
  if (text === undefined) return { typeCode: '83', type: '83' };
  const m = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(text);
  const v = m ? parseInt(m[1]!, 16) : 0;
  if (!m || v === 0) throw new BlockDeviceError(`"${text}" is not an MBR partition type (hex, e.g. '83', 'ef', '0x0c')`, node, 'type');
  return { typeCode: text, type: v.toString(16).padStart(2, '0') };
}

function gptType(text: string | undefined, node: string): { typeCode: string; type: string } {
  const code = text ?? '8300';
  const guid = gptTypeGuid(code);
  if (!guid) {
    throw new BlockDeviceError(`"${code}" is not a GPT type kiln knows; use an sgdisk code (EF00, EF02, 8300...) or the type GUID`, node, 'type');
  }
  return { typeCode: code, type: guid };
}

function mkfs(n: RawNode): MkfsNode {
  const type = opt(n, 'type');
  if (type !== undefined && !(FS_TYPES as readonly string[]).includes(type)) {
    throw new BlockDeviceError(`"${type}" is not a filesystem kiln can make (${FS_TYPES.join(', ')})`, n.name, 'type');
  }
  return {
    plugin: 'mkfs',
    name: n.name,
    index: n.index,
    base: needBase(n),
    type: type as FsType | undefined,
    label: opt(n, 'label'),
    opts: opt(n, 'opts'),
    uuid: opt(n, 'uuid'),
  };
}

/** Filesystem UUIDs: ext/xfs take an RFC 4122 UUID; vfat a 32-bit volume id ("1234-ABCD"). */
export function checkUuid(type: FsType, uuid: string, node: string): string {
  if (type === 'vfat') {
    const m = /^([0-9a-f]{4})-?([0-9a-f]{4})$/i.exec(uuid);
    if (!m) throw new BlockDeviceError(`"${uuid}" is not a FAT volume id (8 hex digits, e.g. 1234-ABCD)`, node, 'uuid');
    return `${m[1]}${m[2]}`.toLowerCase();
  }
  if (!UUID_RE.test(uuid)) throw new BlockDeviceError(`"${uuid}" is not a UUID`, node, 'uuid');
  return uuid.toLowerCase();
}

/** 512 or 4096, from `block_size` or DIB_BLOCK_SIZE. */
export function sectorSize(text: string, node: string | undefined, field: string): SectorSize {
  const n = Number(text.trim());
  if (!(SECTOR_SIZES as readonly number[]).includes(n)) {
    throw new BlockDeviceError(`"${text}" is not a logical sector size kiln can lay out (${SECTOR_SIZES.join(' or ')})`, node, field);
  }
  return n as SectorSize;
}

function mountPoint(mp: string, node: string): string {
  // DIB's configs give swap the mount point "none"; the plan checks it is only used for swap.
  if (mp === 'none') return mp;
  if (!mp.startsWith('/')) throw new BlockDeviceError(`"${mp}" must be an absolute path`, node, 'mount_point');
  const parts = mp.split('/').filter((s) => s !== '');
  if (parts.some((s) => s === '.' || s === '..')) throw new BlockDeviceError(`"${mp}" must not contain . or ..`, node, 'mount_point');
  if (/\s/.test(mp)) throw new BlockDeviceError(`"${mp}" must not contain whitespace (fstab cannot hold it unescaped)`, node, 'mount_point');
  return '/' + parts.join('/');
}

function diskSize(text: string, node: string): number {
  const n = bytes(text, node, 'size');
  if (n <= 0 || n % 512 !== 0) throw new BlockDeviceError(`${n} bytes is not a positive multiple of 512`, node, 'size');
  return n;
}

function needBase(n: RawNode): string {
  if (n.base === undefined) throw new BlockDeviceError('needs a "base"', n.name, 'base');
  return n.base;
}

function warnUnknown(node: string, kind: string, fields: Record<string, FieldValue>, warnings: string[]): void {
  warnUnknownFields(node, kind, fields, KNOWN[kind] ?? [], warnings);
}
