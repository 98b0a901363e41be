// Exact sector layout of a partition table, computed the way DIB lays disks out so the same
// config gives the same partitions under kiln and disk-image-create:
// - mbr: DIB's own MBR writer. Partitions start on the alignment (1 MiB); a size is exact
//   bytes (not rounded) and the next partition starts at the next aligned sector. Partitions
//   without the `primary` flag become logical partitions in one extended partition that
//   spans the rest of the disk, each after its own aligned EBR, numbered from 5. A
//   percentage is of the space still free minus one alignment unit.
// - gpt: DIB drives sgdisk with "+<n>M" sizes: a percentage is of the disk minus 2 MiB,
//   every size is rounded down to whole MiB, partitions follow each other from the first
//   aligned sector.
// Sectors are the disk's logical sectors: 512 bytes, or 4096 for `block_size: 4096`, where
// every absolute size must be a whole number of them (SectorSizeError) and a GPT's header and
// entries take 6 sectors at the start instead of 34.
import { BlockDeviceError, SectorSizeError } from './errors.js';
import { deriveId32, deriveUuid } from './ids.js';
import type { PartitioningNode, PartitionNode } from './nodes.js';
import { resolveSize } from './size.js';

const MiB = 1024 * 1024;

/** Sectors a GPT needs at the start: protective MBR + header + 128 entries of 128 bytes (34 or 6). */
export function gptReservedSectors(sectorSize: number): number {
  return 2 + Math.ceil((128 * 128) / sectorSize);
}

export interface PlannedPartition {
  name: string;
  /** Kernel partition number: /dev/vdc<number>. */
  number: number;
  role: 'primary' | 'logical' | 'gpt';
  startSector: number;
  sizeSectors: number;
  /** MBR: two hex digits ("83"); GPT: type GUID. */
  type: string;
  /** The type as the config wrote it ("EF00", "0x83"). */
  typeCode: string;
  bootable: boolean;
  /** GPT partition GUID (PARTUUID). */
  uuid?: string;
}

export interface PlannedTable {
  label: 'mbr' | 'gpt';
  /** Bytes per sector every sector number here counts in. */
  sectorSize: number;
  /** MBR: "0x" + 8 hex digits; GPT: disk GUID. */
  diskId: string;
  alignSectors: number;
  partitions: PlannedPartition[];
  /** MBR only, when there are logical partitions: the container that holds them. */
  extended?: { number: number; startSector: number; sizeSectors: number };
}

export function layoutTable(table: PartitioningNode, diskName: string, diskBytes: number, seed: string, sectorSize = 512): PlannedTable {
  if (table.alignBytes % sectorSize !== 0) {
    throw new SectorSizeError(`${table.alignBytes} bytes is not a whole number of ${sectorSize}-byte sectors`, table.name, 'align');
  }
  if (sectorSize !== 512) {
    // DIB rounds bytes down to 512-byte sectors without a word; on a 4K disk kiln asks for exact sizes.
    for (const p of table.partitions) {
      if (p.size.kind === 'absolute' && p.size.bytes % sectorSize !== 0) {
        throw new SectorSizeError(`${p.size.bytes} bytes is not a whole number of ${sectorSize}-byte sectors`, p.name, 'size', {
          hint: `on a disk with ${sectorSize}-byte sectors give sizes in KiB multiples of ${sectorSize / 1024} (e.g. MiB)`,
        });
      }
    }
  }
  return table.label === 'mbr' ? layoutMbr(table, diskName, diskBytes, seed, sectorSize) : layoutGpt(table, diskName, diskBytes, seed, sectorSize);
}

function alignUp(sector: number, align: number): number {
  return Math.ceil(sector / align) * align;
}

function layoutMbr(table: PartitioningNode, diskName: string, diskBytes: number, seed: string, sector: number): PlannedTable {
  const align = table.alignBytes / sector;
  const total = diskBytes / sector;
  let nextFree = alignUp(1, align);
  let number = 0;
  let extended: PlannedTable['extended'];
  const partitions: PlannedPartition[] = [];

  for (const p of table.partitions) {
    const free = diskBytes - (nextFree + alignUp(1, align)) * sector;
    const bytes = resolveSize(p.size, free);
    const sizeSectors = Math.floor(bytes / sector);
    if (sizeSectors <= 0) throw tooSmall(p, bytes, diskBytes);
    let start: number;
    if (p.primary) {
      if (extended) throw new BlockDeviceError('primary partitions must all come before the first logical one', p.name, 'flags');
      if (number === 4) throw new BlockDeviceError('an MBR holds at most 4 primary partitions', p.name, 'flags');
      start = alignUp(nextFree, align);
      number += 1;
    } else {
      if (!extended) {
        if (number === 4) throw new BlockDeviceError('4 primary partitions leave no slot for the extended partition', p.name, 'flags');
        extended = { number: number + 1, startSector: nextFree, sizeSectors: total - nextFree };
        number = 4;
      }
      const ebr = nextFree;
      start = alignUp(ebr + 1, align);
      number += 1;
    }
    if (start + sizeSectors > total) throw noRoom(p, start, sizeSectors, total);
    if (start + sizeSectors > 2 ** 32) throw new BlockDeviceError('ends beyond sector 2^32, which an MBR cannot address; use label: gpt', p.name, 'size');
    partitions.push(planned(p, number, p.primary ? 'primary' : 'logical', start, sizeSectors));
    nextFree = alignUp(start + sizeSectors, align);
  }
  return { label: 'mbr', sectorSize: sector, diskId: '0x' + deriveId32(seed, 'mbr-disk-id', diskName), alignSectors: align, partitions, extended };
}

function layoutGpt(table: PartitioningNode, diskName: string, diskBytes: number, seed: string, sector: number): PlannedTable {
  const GPT_RESERVED = gptReservedSectors(sector);
  const align = table.alignBytes / sector;
  const total = diskBytes / sector;
  // The backup header and entries take one sector fewer than the primary ones (no protective MBR).
  const lastUsable = total - GPT_RESERVED;
  // DIB keeps 2 MiB back so rounding never runs past the backup GPT at the end.
  let free = diskBytes - 2 * MiB;
  let cursor = alignUp(GPT_RESERVED, align);
  const partitions: PlannedPartition[] = [];

  table.partitions.forEach((p, i) => {
    const bytes = resolveSize(p.size, free);
    if (bytes > free) {
      throw new BlockDeviceError(`${bytes} bytes asked, only ${Math.max(free, 0)} left on the ${diskBytes}-byte disk`, p.name, 'size');
    }
    const sizeSectors = Math.floor(bytes / MiB) * (MiB / sector);
    if (sizeSectors <= 0) throw tooSmall(p, bytes, diskBytes, ' (GPT sizes are whole MiB)');
    const start = alignUp(cursor, align);
    if (start + sizeSectors - 1 > lastUsable) throw noRoom(p, start, sizeSectors, lastUsable + 1);
    partitions.push({ ...planned(p, i + 1, 'gpt', start, sizeSectors), uuid: deriveUuid(seed, 'gpt-partition', p.name) });
    cursor = start + sizeSectors;
    free -= bytes;
  });
  return { label: 'gpt', sectorSize: sector, diskId: deriveUuid(seed, 'gpt-disk', diskName), alignSectors: align, partitions };
}

function planned(p: PartitionNode, number: number, role: PlannedPartition['role'], start: number, size: number): PlannedPartition {
  return { name: p.name, number, role, startSector: start, sizeSectors: size, type: p.type, typeCode: p.typeCode, bootable: p.boot };
}

function tooSmall(p: PartitionNode, bytes: number, diskBytes: number, why = ''): BlockDeviceError {
  const size = bytes > 0 ? `comes to ${bytes} bytes, too small for a partition${why}` : `gets no space: the ${diskBytes}-byte disk has none left for it after the partition table and alignment`;
  return new BlockDeviceError(size, p.name, 'size', { hint: 'make the image bigger (--size, or the local_loop size) or the partitions smaller' });
}

function noRoom(p: PartitionNode, start: number, size: number, end: number): BlockDeviceError {
  return new BlockDeviceError(
    `does not fit: sectors ${start}..${start + size - 1} but the disk's usable space ends before sector ${end}`,
    p.name,
    'size',
    { hint: 'make the image bigger (local_loop size / --image-size) or the partitions smaller' },
  );
}
