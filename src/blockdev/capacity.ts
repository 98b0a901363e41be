// How many bytes a planned filesystem gets: its partition's, its logical volume's, or the
// whole disk's. The build sizes an image so that the root filesystem (not only the disk) can
// hold the tree, which matters when a layout gives the root a share of the disk (LVM by %).
import type { Plan, PlannedFilesystem } from './plan.js';

export function filesystemBytes(plan: Plan, fs: PlannedFilesystem): number {
  if (fs.base === plan.disk.name) return plan.disk.sizeBytes;
  const part = plan.table?.partitions.find((p) => p.name === fs.base);
  if (part) return part.sizeSectors * plan.disk.sectorSize;
  const lv = plan.lvm?.lvs.find((l) => l.name === fs.base);
  if (lv) return lv.sizeBytes;
  throw new Error(`kiln bug: no partition, volume or disk named ${fs.base} for filesystem ${fs.name}`);
}

/** The root filesystem's bytes in this plan. */
export function rootBytes(plan: Plan): number {
  return filesystemBytes(plan, plan.filesystems.find((f) => f.name === plan.root.filesystem)!);
}
