// LVM in the plan: every physical volume's size, every group's extents, every logical
// volume's lvcreate arguments and the space it takes, worked out the way LVM will, so a layout
// that cannot fit fails here, by name, before a VM boots.
// LVM's own defaults are assumed: the first extent 1 MiB into each PV (pvcreate's data
// alignment), 4 MiB extents, percentages of a group rounded up to whole extents and, when
// that runs past the free space, cut to what is left (lvcreate says "Reducing ... to
// remaining free space"), thin-pool metadata of 64 bytes per 64 KiB chunk (2 MiB at least,
// 128 MiB at most) twice over: the pool's and the group's spare.
import { LvmSpaceError } from './errors.js';
import type { Graph } from './graph.js';
import type { PlannedTable } from './layout.js';
import { EXTENT_BYTES, type LvNode, type LvType } from './lvm.js';

const MiB = 1024 * 1024;
/** Where pvcreate puts the first extent by default (metadata before it). */
export const PV_DATA_OFFSET = MiB;

export interface PlannedPv {
  name: string;
  /** The partition or disk node it is made on. */
  base: string;
  /** Bytes of the partition (or disk). */
  sizeBytes: number;
  /** Extents it gives its group. */
  extents: number;
  options: string[];
}

export interface PlannedVg {
  name: string;
  /** PV node names, in vgcreate's order. */
  pvs: string[];
  options: string[];
  extentBytes: number;
  extents: number;
  /** Extents left once every volume is made. */
  freeExtents: number;
}

export interface PlannedLv {
  name: string;
  vg: string;
  type: 'linear' | LvType;
  thinPool?: string;
  /** lvcreate's size argument: -L / -V with exact bytes, or -l as the config wrote it. */
  sizeArg: ['-L' | '-V', string] | ['-l', string];
  /** Extents taken from the group (0 for a thin volume; pool metadata included for a pool). */
  extents: number;
  /** The volume's size: what a filesystem on it gets (a thin volume's virtual size). */
  sizeBytes: number;
  options: string[];
  /** /dev/mapper/<vg>-<lv> with device-mapper's escaping (a "-" in a name is doubled). */
  device: string;
}

export interface PlannedLvm {
  pvs: PlannedPv[];
  vgs: PlannedVg[];
  /** In lvcreate order. */
  lvs: PlannedLv[];
}

/** The device-mapper name of a logical volume, as /dev/mapper shows it. */
export function dmDevice(vg: string, lv: string): string {
  return `/dev/mapper/${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}

export function planLvm(graph: Graph, table: PlannedTable | undefined, diskBytes: number, sectorSize: number, warnings: string[]): PlannedLvm | undefined {
  if (graph.pvs.length === 0) return undefined;
  const pvs = graph.pvs.map((pv): PlannedPv => {
    const part = table?.partitions.find((p) => p.name === pv.base);
    const sizeBytes = part ? part.sizeSectors * sectorSize : diskBytes;
    const extents = Math.floor((sizeBytes - PV_DATA_OFFSET) / EXTENT_BYTES);
    if (extents <= 0) {
      throw new LvmSpaceError(`"${pv.base}" is ${sizeBytes} bytes, too small for a physical volume (1 MiB of metadata and one 4 MiB extent)`, pv.name, 'base');
    }
    return { name: pv.name, base: pv.base, sizeBytes, extents, options: pv.options };
  });
  const pvByName = new Map(pvs.map((p) => [p.name, p]));

  const state = new Map(
    graph.vgs.map((vg) => {
      const extents = vg.pvs.reduce((sum, pv) => sum + pvByName.get(pv)!.extents, 0);
      return [vg.name, { total: extents, free: extents, spare: 0 }];
    }),
  );
  const lvs = graph.lvs.map((lv) => planLv(lv, state.get(lv.vg)!));
  thinOvercommit(lvs, warnings);

  const vgs = graph.vgs.map((vg): PlannedVg => {
    const s = state.get(vg.name)!;
    return { name: vg.name, pvs: vg.pvs, options: vg.options, extentBytes: EXTENT_BYTES, extents: s.total, freeExtents: s.free };
  });
  return { pvs, vgs, lvs };
}

interface VgState {
  total: number;
  free: number;
  /** Extents of the group's spare pool-metadata volume so far. */
  spare: number;
}

function planLv(lv: LvNode, vg: VgState): PlannedLv {
  const type: PlannedLv['type'] = lv.type ?? 'linear';
  const base = { name: lv.name, vg: lv.vg, type, thinPool: lv.thinPool, options: lv.options, device: dmDevice(lv.vg, lv.name) };
  if (lv.size.kind === 'bytes' && type === 'thin') {
    // Thin volumes take blocks from their pool as they are written, nothing from the group.
    return { ...base, sizeArg: ['-V', `${lv.size.bytes}B`], extents: 0, sizeBytes: lv.size.bytes };
  }
  let data: number;
  if (lv.size.kind === 'bytes') data = lv.size.bytes / EXTENT_BYTES;
  else if (lv.size.kind === 'extents') data = lv.size.count;
  else {
    const of = lv.size.of === 'FREE' ? vg.free : vg.total;
    data = Math.min(Math.ceil((lv.size.percent * of) / 100), vg.free);
    if (data <= 0) throw noRoom(lv, 1, vg);
  }
  let extents = data;
  if (type === 'thin-pool') {
    const meta = poolMetadataExtents(data);
    const spare = Math.max(vg.spare, meta);
    extents += meta + (spare - vg.spare);
    if (extents <= vg.free) vg.spare = spare;
  }
  if (extents > vg.free) throw noRoom(lv, extents, vg);
  vg.free -= extents;
  const sizeArg: PlannedLv['sizeArg'] = lv.size.kind === 'bytes' ? ['-L', `${lv.size.bytes}B`] : ['-l', lv.size.text];
  return { ...base, sizeArg, extents, sizeBytes: data * EXTENT_BYTES };
}

/** Extents of one thin pool's metadata volume, for a pool of `data` extents. */
export function poolMetadataExtents(data: number): number {
  const chunks = (data * EXTENT_BYTES) / (64 * 1024);
  const bytes = Math.min(Math.max(chunks * 64, 2 * MiB), 128 * MiB);
  return Math.ceil(bytes / EXTENT_BYTES);
}

function noRoom(lv: LvNode, extents: number, vg: VgState): LvmSpaceError {
  const mib = (e: number) => `${(e * EXTENT_BYTES) / MiB} MiB`;
  return new LvmSpaceError(
    `needs ${extents} extents (${mib(extents)}) but volume group "${lv.vg}" has ${vg.free} of ${vg.total} left (${mib(vg.free)}): the LVM layout is larger than the image`,
    lv.name,
    lv.size.kind === 'bytes' ? 'size' : 'extents',
    { hint: 'make the image or the partitions under the physical volumes bigger (--image-size), or the logical volumes smaller' },
  );
}

/** LVM lets thin volumes promise more than their pool holds; say so, it fills up at run time. */
function thinOvercommit(lvs: PlannedLv[], warnings: string[]): void {
  for (const pool of lvs.filter((l) => l.type === 'thin-pool')) {
    const promised = lvs.filter((l) => l.thinPool === pool.name).reduce((sum, l) => sum + l.sizeBytes, 0);
    if (promised > pool.sizeBytes) {
      warnings.push(`node "${pool.name}": its thin volumes add up to ${promised} bytes, more than the pool's ${pool.sizeBytes}; writes past that fail at run time`);
    }
  }
}
