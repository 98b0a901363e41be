// The variables DIB exports about the block device, so elements can ask:
//   DIB_ROOT_LABEL, DIB_ROOT_FSTYPE, DIB_BOOT_LABEL, DIB_MOUNTPOINTS  after `dib-block-device
//     init`, i.e. for every phase (grub writes GRUB_DEVICE=LABEL=$DIB_ROOT_LABEL, zypper reads
//     the fstype, selinux relabels each of DIB_MOUNTPOINTS, split on "|"; since DIB 3.28 the
//     bootloader adds boot=LABEL=$DIB_BOOT_LABEL to the kernel command line when it is not
//     empty and reads it under set -u, so it is always set);
//   IMAGE_BLOCK_DEVICE, IMAGE_BLOCK_DEVICES  once the disk exists (finalise.d: the bootloader
//     installs to IMAGE_BLOCK_DEVICE and evals IMAGE_BLOCK_DEVICES into an associative array).
// DIB_BLOCK_DEVICE (mbr|gpt|efi) comes from the block-device-* element's environment.d, not here.
import type { Plan } from './plan.js';
import { nodeDevice, type DeviceOptions } from './render/devices.js';

export function blockDeviceEnv(plan: Plan, devices?: DeviceOptions): Record<string, string> {
  const env: Record<string, string> = {
    DIB_ROOT_LABEL: plan.root.label,
    DIB_ROOT_FSTYPE: plan.root.type,
    DIB_BOOT_LABEL: bootLabel(plan),
    // "|" because it cannot appear in a path DIB would mount.
    DIB_MOUNTPOINTS: plan.mountPoints.join('|'),
  };
  if (devices) {
    env.IMAGE_BLOCK_DEVICE = devices.device;
    // DIB's state order: the disk, its partitions, then the logical volumes (PVs and groups have no device of their own).
    const names = [plan.disk.name, ...(plan.table?.partitions.map((p) => p.name) ?? []), ...(plan.lvm?.lvs.map((l) => l.name) ?? [])];
    // DIB's exact shape: " [name]=device " per entry, ready for `eval DEVICES=( ... )`.
    env.IMAGE_BLOCK_DEVICES = names.map((n) => ` [${n}]=${nodeDevice(plan, n, devices)} `).join('');
  }
  return env;
}

/**
 * DIB's `getval boot-label`: the label of the filesystem mounted at /boot (the config's
 * label, else the mkfs node's name), empty when /boot is no filesystem of its own. DIB reads
 * it from the config as written; kiln gives the label the filesystem really gets, which
 * differs only for a vfat /boot (FAT labels are upper case; DIB would say the lower case one).
 */
export function bootLabel(plan: Plan): string {
  const mount = plan.mounts.find((m) => m.mountPoint === '/boot');
  return (mount && plan.filesystems.find((f) => f.name === mount.filesystem)?.label) ?? '';
}
