// The target disk as the plan needs it: with the plan's logical sector size. Two places make
// the disk the guest sees, and both must agree with the plan:
// - the loop device the appliance lays the image out on (losetup --sector-size), which is
//   what the partitions and filesystems are made for;
// - the QEMU drive a VM boots the finished image from (kiln boot, a 4K disk test), whose
//   virtio-blk device must report the same size, or the GPT is not where firmware looks.
import type { Plan } from '../plan.js';

/**
 * Properties for QEMU's `-device virtio-blk-pci,drive=...` (or scsi-hd) of a disk holding
 * this image: none for 512-byte sectors (QEMU's default), else logical and physical block
 * size, e.g. logical_block_size=4096,physical_block_size=4096.
 */
export function qemuDiskProperties(plan: Plan): string[] {
  if (plan.disk.sectorSize === 512) return [];
  return [`logical_block_size=${plan.disk.sectorSize}`, `physical_block_size=${plan.disk.sectorSize}`];
}
