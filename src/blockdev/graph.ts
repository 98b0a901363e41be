// The dependency graph of typed nodes: who is built on whom, checked, and put in the order
// the guest must act in. Edges are `base` plus the implicit ones DIB adds: each partition
// after the previous one of its table, each mount after the mount point it sits under
// (/ before /boot before /boot/efi), a volume group after its physical volumes, a thin
// volume after its pool. Ties go to document order, so the same config always gives the
// same order.
import { BlockDeviceError } from './errors.js';
import type { LvNode, PvNode, VgNode } from './lvm.js';
import type { FstabNode, LocalLoopNode, MkfsNode, MountNode, PartitioningNode, PartitionNode, TypedNode } from './nodes.js';

export type GraphNode = LocalLoopNode | PartitionNode | PvNode | VgNode | LvNode | MkfsNode | MountNode | FstabNode;

export interface Graph {
  disk: LocalLoopNode;
  table?: PartitioningNode;
  /** LVM, each in creation order (all PVs, then all VGs, then all LVs, as DIB runs them). */
  pvs: PvNode[];
  vgs: VgNode[];
  lvs: LvNode[];
  /** Filesystems in creation order. */
  filesystems: MkfsNode[];
  /** Mounts in mount order: every mount after the mounts its path is under. */
  mounts: MountNode[];
  /** fstab settings by mount node name. */
  fstab: Map<string, FstabNode>;
  /** Node names in the order the nodes are created (DIB's "call order"). */
  order: string[];
}

export function buildGraph(typed: TypedNode[]): Graph {
  const nodes = graphNodes(typed);
  const byName = indexByName(nodes);
  const tables = typed.filter((n): n is PartitioningNode => n.plugin === 'partitioning');

  const disks = nodes.filter((n): n is LocalLoopNode => n.plugin === 'local_loop');
  if (disks.length === 0) throw new BlockDeviceError('there is no local_loop node (the disk image)');
  if (disks.length > 1) {
    throw new BlockDeviceError(`kiln builds one disk; found ${disks.length} local_loop nodes (${disks.map((d) => d.name).join(', ')})`);
  }
  const disk = disks[0]!;

  for (const t of tables) expectBase(t.name, t.base, byName, ['local_loop']);
  if (tables.length > 1) throw new BlockDeviceError(`one partition table per disk; found ${tables.map((t) => t.name).join(', ')}`);
  const table = tables[0];

  const filesystems = nodes.filter((n): n is MkfsNode => n.plugin === 'mkfs');
  const mounts = nodes.filter((n): n is MountNode => n.plugin === 'mount');
  const fstabs = nodes.filter((n): n is FstabNode => n.plugin === 'fstab');
  const pvs = nodes.filter((n): n is PvNode => n.plugin === 'pv');
  const vgs = nodes.filter((n): n is VgNode => n.plugin === 'vg');
  const lvs = nodes.filter((n): n is LvNode => n.plugin === 'lv');
  for (const pv of pvs) expectBase(pv.name, pv.base, byName, ['partition', 'local_loop']);
  for (const fs of filesystems) {
    expectBase(fs.name, fs.base, byName, ['partition', 'local_loop', 'lv']);
    const lv = byName.get(fs.base);
    if (lv?.plugin === 'lv' && lv.type === 'thin-pool') {
      throw new BlockDeviceError(`refers to "${fs.base}", a thin pool; filesystems go on the thin volumes in it`, fs.name, 'base');
    }
  }
  for (const m of mounts) expectBase(m.name, m.base, byName, ['mkfs']);
  for (const f of fstabs) expectBase(f.name, f.base, byName, ['mount']);

  // A partition holds one filesystem or one physical volume, not both.
  onlyOne([...filesystems, ...pvs], 'a filesystem or physical volume');
  onlyOne(mounts, 'a mount');
  onlyOne(fstabs, 'an fstab entry');
  for (const vg of vgs) {
    for (const pv of vg.pvs) {
      const other = vgs.find((o) => o !== vg && o.pvs.includes(pv));
      if (other) throw new BlockDeviceError(`physical volume "${pv}" is also in volume group "${other.name}"`, vg.name, 'base');
    }
  }
  if (table && [...filesystems, ...pvs].some((n) => n.base === disk.name)) {
    throw new BlockDeviceError(`"${disk.name}" has a partition table, so a filesystem or physical volume cannot also be made on the whole disk`);
  }
  const seen = new Map<string, string>();
  for (const m of mounts) {
    // swap's "none" may repeat: nothing is mounted there.
    if (m.mountPoint === 'none') continue;
    const other = seen.get(m.mountPoint);
    if (other) throw new BlockDeviceError(`mount point ${m.mountPoint} is also used by "${other}"`, m.name, 'mount_point');
    seen.set(m.mountPoint, m.name);
  }

  const mountOrder = sortMounts(mounts);
  const order = topoSort(nodes, edges(nodes, mountOrder));
  const rank = new Map(order.map((name, i) => [name, i]));
  const byRank = (a: GraphNode, b: GraphNode): number => rank.get(a.name)! - rank.get(b.name)!;
  return {
    disk,
    table,
    pvs: [...pvs].sort(byRank),
    vgs: [...vgs].sort(byRank),
    lvs: [...lvs].sort(byRank),
    filesystems: [...filesystems].sort(byRank),
    mounts: mountOrder,
    fstab: new Map(fstabs.map((f) => [f.base, f])),
    order,
  };
}

function graphNodes(typed: TypedNode[]): GraphNode[] {
  const out: GraphNode[] = [];
  for (const n of typed) {
    // A partitioning is not a node of its own in DIB: its partitions are.
    if (n.plugin === 'partitioning') out.push(...n.partitions);
    // Nor is an lvm entry: its PVs, VGs and LVs are.
    else if (n.plugin === 'lvm') out.push(...n.pvs, ...n.vgs, ...n.lvs);
    else out.push(n);
  }
  return out;
}

function indexByName(nodes: GraphNode[]): Map<string, GraphNode> {
  const byName = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (byName.has(n.name)) throw new BlockDeviceError('this name is used by more than one node', n.name, 'name');
    byName.set(n.name, n);
  }
  return byName;
}

function expectBase(node: string, base: string, byName: Map<string, GraphNode>, kinds: GraphNode['plugin'][]): void {
  const target = byName.get(base);
  if (!target) throw new BlockDeviceError(`refers to "${base}", which is not defined`, node, 'base');
  if (!kinds.includes(target.plugin)) {
    const want = kinds.map((k) => KIND_WORDS[k] ?? `a ${k}`).join(' or ');
    throw new BlockDeviceError(`refers to "${base}", which is ${article(target.plugin)}; it must be ${want}`, node, 'base');
  }
}

const KIND_WORDS: Record<string, string> = { partition: 'a partition', pv: 'a physical volume', vg: 'a volume group', lv: 'a logical volume' };

function article(kind: string): string {
  return KIND_WORDS[kind] ?? `a ${kind} node`;
}

function onlyOne(nodes: { name: string; base: string }[], what: string): void {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const other = seen.get(n.base);
    if (other) throw new BlockDeviceError(`"${n.base}" already has ${what} ("${other}")`, n.name, 'base');
    seen.set(n.base, n.name);
  }
}

/** Parents first; otherwise by depth, then document order, so the result is stable. */
function sortMounts(mounts: MountNode[]): MountNode[] {
  // "none" (swap) after every path, as DIB's sort puts it.
  const depth = (m: MountNode): number => (m.mountPoint === 'none' ? Infinity : m.mountPoint === '/' ? 0 : m.mountPoint.split('/').length - 1);
  return [...mounts].sort((a, b) => depth(a) - depth(b) || a.index - b.index);
}

function edges(nodes: GraphNode[], mountOrder: MountNode[]): [string, string][] {
  const out: [string, string][] = [];
  let prev: PartitionNode | undefined;
  for (const n of nodes) {
    if (n.plugin === 'local_loop') continue;
    if (n.plugin === 'vg') {
      for (const pv of n.pvs) out.push([pv, n.name]);
      continue;
    }
    if (n.plugin === 'lv') {
      out.push([n.vg, n.name]);
      if (n.thinPool !== undefined) out.push([n.thinPool, n.name]);
      continue;
    }
    out.push([n.base, n.name]);
    if (n.plugin === 'partition') {
      if (prev && prev.table === n.table) out.push([prev.name, n.name]);
      prev = n;
    }
  }
  for (let i = 1; i < mountOrder.length; i++) out.push([mountOrder[i - 1]!.name, mountOrder[i]!.name]);
  return out;
}

/** Kahn's algorithm, always taking the earliest ready node in document order. */
function topoSort(nodes: GraphNode[], edgeList: [string, string][]): string[] {
  const indegree = new Map(nodes.map((n) => [n.name, 0]));
  const next = new Map<string, string[]>();
  for (const [from, to] of edgeList) {
    indegree.set(to, (indegree.get(to) ?? 0) + 1);
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const pending = [...nodes].sort((a, b) => a.index - b.index);
  const order: string[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((n) => indegree.get(n.name) === 0);
    if (i < 0) {
      throw new BlockDeviceError(`the nodes ${pending.map((n) => `"${n.name}"`).join(', ')} depend on each other in a cycle`);
    }
    const [n] = pending.splice(i, 1);
    order.push(n!.name);
    for (const to of next.get(n!.name) ?? []) indegree.set(to, indegree.get(to)! - 1);
  }
  return order;
}
