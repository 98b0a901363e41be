// The `lvm` plugin's config -> typed physical volumes, volume groups and logical volumes.
// One lvm entry holds three lists (pvs, vgs, lvs); each item becomes a node of the graph of
// its own, so filesystems name a logical volume as their base the way they name a partition.
// What DIB checks is checked here too (every group on known PVs, every volume on a known
// group, a size or extents, type thin or thin-pool); kiln adds what DIB leaves to lvcreate
// to find out halfway through a build: a thin volume needs a thin pool of its own group and a
// virtual size, names must be names LVM accepts.
import type { RawLvmItem, RawNode } from './config.js';
import { BlockDeviceError, ThinPoolError } from './errors.js';
import { bytes, list, opt, req, single, warnUnknownFields } from './fields.js';

/** LVM's default physical extent. DIB rounds every `size` down to a multiple of it. */
export const EXTENT_BYTES = 4 * 1024 * 1024;

export type LvType = 'thin' | 'thin-pool';
const LV_TYPES: readonly LvType[] = ['thin', 'thin-pool'];

export interface PvNode {
  plugin: 'pv';
  name: string;
  index: number;
  /** The lvm entry this belongs to. */
  lvm: string;
  /** The partition (or the disk) the PV is made on. */
  base: string;
  /** Extra pvcreate arguments, after the device (DIB's order). */
  options: string[];
}

export interface VgNode {
  plugin: 'vg';
  name: string;
  index: number;
  lvm: string;
  /** Its physical volumes, by PV node name. */
  pvs: string[];
  options: string[];
}

/**
 * How big a logical volume is, as lvcreate will be told:
 * - bytes: `size` read with DIB's units and rounded down to whole extents (-L, or -V for thin);
 * - extents: `extents` as written, a count or N%VG / N%FREE / N%PVS (-l).
 */
export type LvSize =
  | { kind: 'bytes'; bytes: number; text: string }
  | { kind: 'extents'; count: number; text: string }
  | { kind: 'percent'; percent: number; of: 'VG' | 'FREE' | 'PVS'; text: string };

export interface LvNode {
  plugin: 'lv';
  name: string;
  index: number;
  lvm: string;
  /** Its volume group's name (the VG node's name). */
  vg: string;
  type?: LvType;
  /** For type thin: the thin-pool volume it lives in. */
  thinPool?: string;
  size: LvSize;
  options: string[];
}

export interface LvmNode {
  plugin: 'lvm';
  name: string;
  index: number;
  pvs: PvNode[];
  vgs: VgNode[];
  /** In the order lvcreate runs: the config's, except a thin volume waits for its pool. */
  lvs: LvNode[];
}

const KNOWN = {
  lvm: [] as string[],
  pv: ['base', 'options'],
  vg: ['base', 'options'],
  lv: ['base', 'options', 'size', 'extents', 'type', 'thin-pool'],
};

/** LVM's rule for VG and LV names (lvm(8), "VALID NAMES"). */
const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;

export function typeLvm(n: RawNode, warnings: string[]): LvmNode {
  warnUnknownFields(n.name, 'lvm', n.fields, KNOWN.lvm, warnings);
  const raw = n.lvm ?? { pvs: [], vgs: [], lvs: [] };
  for (const key of ['pvs', 'vgs', 'lvs'] as const) {
    if (raw[key].length === 0) throw new BlockDeviceError(`needs at least one entry in "${key}"`, n.name, key);
  }
  // Sub-nodes sort after their lvm entry and before whatever follows it in the document.
  let sub = 0;
  const index = () => n.index + ++sub / 10_000;

  const pvs = raw.pvs.map((item): PvNode => {
    warnUnknownFields(item.name, 'pv', item.fields, KNOWN.pv, warnings);
    return { plugin: 'pv', name: item.name, index: index(), lvm: n.name, base: req(item, 'base'), options: options(item) };
  });
  const pvNames = new Set(pvs.map((p) => p.name));

  const vgs = raw.vgs.map((item): VgNode => {
    warnUnknownFields(item.name, 'vg', item.fields, KNOWN.vg, warnings);
    lvmName(item.name, 'volume group');
    const bases = baseList(item);
    for (const b of bases) {
      if (!pvNames.has(b)) throw new BlockDeviceError(`refers to "${b}", which is not a physical volume of "${n.name}"`, item.name, 'base');
    }
    return { plugin: 'vg', name: item.name, index: index(), lvm: n.name, pvs: bases, options: options(item) };
  });
  const vgNames = new Set(vgs.map((v) => v.name));

  const lvs = raw.lvs.map((item): LvNode => {
    warnUnknownFields(item.name, 'lv', item.fields, KNOWN.lv, warnings);
    lvmName(item.name, 'logical volume');
    const vg = req(item, 'base');
    if (!vgNames.has(vg)) throw new BlockDeviceError(`refers to "${vg}", which is not a volume group of "${n.name}"`, item.name, 'base');
    const typeText = opt(item, 'type');
    if (typeText !== undefined && !(LV_TYPES as readonly string[]).includes(typeText)) {
      throw new BlockDeviceError(`"${typeText}" is not a logical volume type kiln knows (${LV_TYPES.join(', ')})`, item.name, 'type');
    }
    const type = typeText as LvType | undefined;
    const thinPool = opt(item, 'thin-pool');
    if (thinPool !== undefined && type !== 'thin') {
      throw new ThinPoolError(`only a volume of type thin lives in a thin pool; add "type: thin" or drop thin-pool`, item.name, 'thin-pool');
    }
    return { plugin: 'lv', name: item.name, index: index(), lvm: n.name, vg, type, thinPool, size: lvSize(item, type, warnings), options: options(item) };
  });
  checkThinPools(lvs);
  return { plugin: 'lvm', name: n.name, index: n.index, pvs, vgs, lvs: poolsFirst(lvs) };
}

function lvmName(name: string, what: string): void {
  if (!LVM_NAME.test(name) || name === '.' || name === '..') {
    throw new BlockDeviceError(`"${name}" is not a ${what} name LVM accepts (letters, digits and + _ . -, not starting with -)`, name, 'name');
  }
}

/** A VG's base: DIB writes a list ("[ pv ]"); a single name is read as a list of one. */
function baseList(item: RawLvmItem): string[] {
  const v = item.fields.base;
  const bases = Array.isArray(v) ? list(v, item.name, 'base', '[ pv ]').map((b) => b.trim()) : [req(item, 'base')];
  if (bases.length === 0) throw new BlockDeviceError('needs at least one physical volume', item.name, 'base');
  return bases;
}

/** Extra command arguments: DIB takes a list; a single string is split on whitespace. */
function options(item: RawLvmItem): string[] {
  const v = item.fields.options;
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map((o) => o.trim()).filter((o) => o !== '') : single(v, item.name, 'options').split(/\s+/).filter((o) => o !== '');
}

function lvSize(item: RawLvmItem, type: LvType | undefined, warnings: string[]): LvSize {
  const sizeText = opt(item, 'size');
  const extentsText = opt(item, 'extents');
  if (sizeText === undefined && extentsText === undefined) throw new BlockDeviceError('needs a "size" or "extents"', item.name, 'size');
  if (sizeText !== undefined) {
    if (extentsText !== undefined) warnings.push(`node "${item.name}": has both size and extents; size is used, as in DIB`);
    const exact = bytes(sizeText, item.name, 'size');
    const rounded = exact - (exact % EXTENT_BYTES);
    if (rounded <= 0) throw new BlockDeviceError(`"${sizeText}" is less than one 4 MiB extent`, item.name, 'size');
    return { kind: 'bytes', bytes: rounded, text: sizeText };
  }
  if (type === 'thin') {
    throw new BlockDeviceError('a thin volume is sized by its virtual size: give "size", not "extents"', item.name, 'extents');
  }
  const text = extentsText!;
  const count = /^\d+$/.exec(text);
  if (count) {
    if (Number(text) <= 0) throw new BlockDeviceError('must be at least one extent', item.name, 'extents');
    return { kind: 'extents', count: Number(text), text };
  }
  const m = /^(\d+(?:\.\d+)?)%(VG|FREE|PVS)$/i.exec(text);
  const percent = m ? Number(m[1]) : NaN;
  if (!m || !(percent > 0 && percent <= 100)) {
    throw new BlockDeviceError(`"${text}" is not an extent count kiln can plan (a number, or 1-100 followed by %VG, %FREE or %PVS)`, item.name, 'extents');
  }
  return { kind: 'percent', percent, of: m[2]!.toUpperCase() as 'VG' | 'FREE' | 'PVS', text };
}

function checkThinPools(lvs: LvNode[]): void {
  const byName = new Map(lvs.map((l) => [l.name, l]));
  for (const lv of lvs) {
    if (lv.type !== 'thin') continue;
    if (lv.thinPool === undefined) {
      throw new ThinPoolError('is a thin volume without a pool: name one with "thin-pool: <volume of type thin-pool>"', lv.name, 'thin-pool');
    }
    const pool = byName.get(lv.thinPool);
    if (!pool) throw new ThinPoolError(`names the pool "${lv.thinPool}", which is not a logical volume here`, lv.name, 'thin-pool');
    if (pool.type !== 'thin-pool') throw new ThinPoolError(`names "${lv.thinPool}" as its pool, but that volume is not of type thin-pool`, lv.name, 'thin-pool');
    if (pool.vg !== lv.vg) {
      throw new ThinPoolError(`is in volume group "${lv.vg}" but its pool "${pool.name}" is in "${pool.vg}"`, lv.name, 'thin-pool');
    }
  }
}

/** Config order, except a thin volume listed before its pool is created right after it. */
function poolsFirst(lvs: LvNode[]): LvNode[] {
  const out: LvNode[] = [];
  const waiting = new Map<string, LvNode[]>();
  const made = new Set<string>();
  const add = (lv: LvNode): void => {
    out.push(lv);
    made.add(lv.name);
    for (const w of waiting.get(lv.name) ?? []) add(w);
    waiting.delete(lv.name);
  };
  for (const lv of lvs) {
    if (lv.thinPool !== undefined && !made.has(lv.thinPool)) waiting.set(lv.thinPool, [...(waiting.get(lv.thinPool) ?? []), lv]);
    else add(lv);
  }
  return out;
}
