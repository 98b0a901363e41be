// DIB's block-device step: the image sized from the finished tree (DIB's rule), then the
// target disk partitioned, its filesystems made and mounted, the tree copied in and fstab
// written (src/blockdev renders each script). Afterwards the block-device variables are the
// real disk's.
import {
  blockDeviceEnv,
  canPopulateRoot,
  dibImageSize,
  renderLvmCreateScript,
  renderLvmDeactivateScript,
  renderMkfsScript,
  renderMountScript,
  renderPartitionScript,
  renderUnmountScript,
  renderWriteFstabScript,
  rootBytes,
  type Plan,
} from '../blockdev/index.js';
import { measureTree } from '../guest/chroot.js';
import { attachTarget } from '../guest/drives.js';
import { guestPaths } from '../guest/paths.js';
import { copyTreeIntoImage, moveTreeAside } from '../guest/tree.js';
import type { BuildOptions } from '../options.js';
import { SERIALS } from './drives.js';
import type { GuestRun } from './guest.js';
import { planImage } from './prepare.js';

export interface MadeDisk {
  plan: Plan;
  /** The target disk's loop device in the guest. */
  device: string;
  imageBytes: number;
}

/** DIB's formula leaves no room for a 64 MiB journal on a tiny tree: never below 256 MiB unless --size says so. */
export function imageSizeFor(o: BuildOptions, treeKiB: number, rootType: Plan['root']['type'], efi: boolean): number {
  const bytes = dibImageSize({ treeKiB, imageSizeGB: o.imageSizeGB, extraSizeGB: o.imageExtraSizeGB, rootFsType: rootType, journalSizeMiB: o.journalSizeMiB, efi });
  return o.imageSizeGB !== undefined ? bytes : Math.max(bytes, 256 * 1024 ** 2);
}

/**
 * What the root filesystem must hold: the tree with room to spare (DIB's formula gives a lone
 * root tree/0.6; this asks for tree/0.7, so a layout of one root partition never grows), and
 * ext4's 64 MiB journal.
 */
export function rootNeeds(treeKiB: number, rootType: Plan['root']['type']): number {
  return Math.ceil((treeKiB * 1024) / 0.7) + (rootType === 'ext4' ? 64 * 1024 ** 2 : 0);
}

/**
 * DIB sizes the disk from the tree; a layout that gives the root filesystem only a share of it
 * (logical volumes by percentage) would leave the root too small for the tree. Grow the image
 * until the root gets what rootNeeds says. --size is the user's word.
 */
export function sizeForRoot(o: BuildOptions, imageBytes: number, rootNeeds: number, planFor: (bytes: number) => Plan): { imageBytes: number; plan: Plan } {
  let bytes = imageBytes;
  let plan = planFor(bytes);
  for (let i = 0; i < 6 && o.imageSizeGB === undefined && rootBytes(plan) < rootNeeds; i++) {
    const grown = Math.ceil((bytes * (rootNeeds / rootBytes(plan)) * 1.02) / 65536) * 65536;
    bytes = Math.max(grown, bytes + 65536);
    plan = planFor(bytes);
  }
  return { imageBytes: bytes, plan };
}

export async function makeFilesystems(g: GuestRun): Promise<MadeDisk> {
  const { o, log } = g.ctx;
  const p = guestPaths;
  const treeKiB = Number((await g.vm.script('measuring the tree', measureTree(p.mountPath))).trim());
  const rootType = planImage(o, g.prepared.blockConfig, g.ctx.seed, 8 * 1024 ** 3, g.settings.user).root.type;
  // DIB's test is a substring of IMAGE_ELEMENT: block-device-efi-lvm and -efi-4k count too
  const efi = g.prepared.resolution.elements.some((e) => e.name.startsWith('block-device-efi'));
  const { imageBytes, plan } = sizeForRoot(o, imageSizeFor(o, treeKiB, rootType, efi), rootNeeds(treeKiB, rootType), (bytes) => planImage(o, g.prepared.blockConfig, g.ctx.seed, bytes, g.settings.user));
  log.info(`image size ${(imageBytes / 1024 ** 3).toFixed(2)} GiB for a ${(treeKiB / 1024).toFixed(0)} MiB tree`);
  return g.ctx.clock.timed('make filesystems', async () => {
    await g.vm.script('moving the tree aside', moveTreeAside());
    const device = (await g.vm.script('attaching the target disk', attachTarget(SERIALS.target, imageBytes, plan.disk.sectorSize))).trim();
    const devices = { device };
    await g.vm.script('partitioning the target disk', renderPartitionScript(plan, { ...devices, waitForPartitions: true }));
    if (plan.lvm) await g.vm.script('creating the LVM volumes', renderLvmCreateScript(plan, devices));
    await g.vm.script('making filesystems', renderMkfsScript(plan, { ...devices, sourceDateEpoch: o.sourceDateEpoch }));
    await g.vm.script('mounting the filesystems', renderMountScript(plan, { ...devices, mountPath: p.mountPath }));
    await g.vm.script('copying the tree into the image', copyTreeIntoImage());
    await g.vm.script('writing /etc/fstab', renderWriteFstabScript(plan, { mountPath: p.mountPath }));
    g.blockDevice = { ...blockDeviceEnv(plan, devices), DIB_IMAGE_SIZE: String(Math.ceil(imageBytes / 1024)) };
    return { plan, device, imageBytes };
  });
}

/** Let go of the image: its filesystems, the one-pass tree, the loop devices; everything on disk. */
export async function unmountImage(g: GuestRun, disk: MadeDisk): Promise<void> {
  await g.vm.script('unmounting the image', `set -e\n${renderUnmountScript(disk.plan, { mountPath: guestPaths.mountPath })}\numount ${guestPaths.builtPath} 2>/dev/null || true\n`);
  // an active logical volume holds the loop device: deactivate before detaching
  if (disk.plan.lvm) await g.vm.script('deactivating the LVM volumes', renderLvmDeactivateScript(disk.plan));
  await g.vm.script('detaching the target disk', 'set -e\nlosetup -D\nsync\n');
}

/** Whether the root filesystem can be written again in one pass, and why not. */
export const onePassPossible = (disk: MadeDisk) => canPopulateRoot(disk.plan);
