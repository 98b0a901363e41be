// Which guest device node each partition, logical volume and filesystem lives on.
import type { Plan, PlannedFilesystem } from '../plan.js';

export interface DeviceOptions {
  /** The target disk in the guest, e.g. /dev/vdc. */
  device: string;
  /**
   * Override the path of any node (partition name or the disk's name). Tests use it to make
   * filesystems on plain files; a caller could map partitions to /dev/mapper nodes.
   */
  devicePaths?: Record<string, string>;
}

/** /dev/vdc + 1 -> /dev/vdc1; /dev/nvme0n1 + 1 -> /dev/nvme0n1p1 (the kernel's own rule). */
export function partitionDevice(device: string, number: number): string {
  return /\d$/.test(device) ? `${device}p${number}` : `${device}${number}`;
}

export function nodeDevice(plan: Plan, name: string, opts: DeviceOptions): string {
  const override = opts.devicePaths?.[name];
  if (override !== undefined) return override;
  if (name === plan.disk.name) return opts.device;
  const lv = plan.lvm?.lvs.find((l) => l.name === name);
  if (lv) return lv.device;
  const part = plan.table?.partitions.find((p) => p.name === name);
  if (!part) throw new Error(`kiln bug: block-device node "${name}" has no device`);
  return partitionDevice(opts.device, part.number);
}

export function filesystemDevice(plan: Plan, fs: PlannedFilesystem, opts: DeviceOptions): string {
  return nodeDevice(plan, fs.base, opts);
}
