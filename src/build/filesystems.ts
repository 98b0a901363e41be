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
import { KilnError } from '../errors.js';
import type { BuildOptions } from '../options.js';
import { SERIALS } from './drives.js';
import type { GuestRun } from './guest.js';
import { planImage, type PreparedElements } from './prepare.js';

export interface MadeDisk {
  plan: Plan;
  /** The target disk's loop device in the guest. */
  device: string;
  imageBytes: number;
}

/**
 * DIB's formula leaves no room for a 64 MiB journal on a tiny tree: never below 256 MiB unless
 * --size says so. With a vhd among the outputs, a whole number of MiB: Azure takes no other
 * fixed VHD, and the disk is laid out at that size so a GPT's backup header stays at its end.
 */
export function imageSizeFor(o: Pick<BuildOptions, 'imageSizeGB' | 'imageExtraSizeGB' | 'formats' | 'journalSizeMiB'>, treeKiB: number, rootType: Plan['root']['type'], efi: boolean): number {
  const dib = dibImageSize({ treeKiB, imageSizeGB: o.imageSizeGB, extraSizeGB: o.imageExtraSizeGB, rootFsType: rootType, journalSizeMiB: o.journalSizeMiB, efi });
  const bytes = o.imageSizeGB !== undefined ? dib : Math.max(dib, 256 * 1024 ** 2);
  return o.formats.some((f) => f.name === 'vhd') ? Math.ceil(bytes / 1024 ** 2) * 1024 ** 2 : bytes;
}

/** With --size the image's size is known before the tree exists: the layout can be checked against it up front. */
export function imageSizeBeforeBuild(o: BuildOptions, prepared: PreparedElements): number | undefined {
  return o.imageSizeGB === undefined ? undefined : imageSizeFor(o, 0, 'ext4', usesEfi(prepared));
}

// DIB's test is a substring of IMAGE_ELEMENT: block-device-efi-lvm and -efi-4k count too
const usesEfi = (prepared: PreparedElements) => prepared.resolution.elements.some((e) => e.name.startsWith('block-device-efi'));

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
 * until the root gets what rootNeeds says (in the unit imageSizeFor keeps). --size is the user's word.
 */
export function sizeForRoot(o: BuildOptions, imageBytes: number, rootNeeds: number, planFor: (bytes: number) => Plan): { imageBytes: number; plan: Plan } {
  const unit = o.formats.some((f) => f.name === 'vhd') ? 1024 ** 2 : 65536;
  let bytes = imageBytes;
  let plan = planFor(bytes);
  for (let i = 0; i < 6 && o.imageSizeGB === undefined && rootBytes(plan) < rootNeeds; i++) {
    const grown = Math.ceil((bytes * (rootNeeds / rootBytes(plan)) * 1.02) / unit) * unit;
    bytes = Math.max(grown, bytes + unit);
    plan = planFor(bytes);
  }
  return { imageBytes: bytes, plan };
}

export async function makeFilesystems(g: GuestRun): Promise<MadeDisk> {
  const { o, log } = g.ctx;
  const p = guestPaths;
  const treeKiB = Number((await g.vm.script('measuring the tree', measureTree(p.mountPath))).trim());
  const rootType = planImage(o, g.prepared.blockConfig, g.ctx.seed, 8 * 1024 ** 3, g.settings.user).root.type;
  const { imageBytes, plan } = sizeForRoot(o, imageSizeFor(o, treeKiB, rootType, usesEfi(g.prepared)), rootNeeds(treeKiB, rootType), (bytes) => planImage(o, g.prepared.blockConfig, g.ctx.seed, bytes, g.settings.user));
  log.info(`image size ${(imageBytes / 1024 ** 3).toFixed(2)} GiB for a ${(treeKiB / 1024).toFixed(0)} MiB tree`);
  await g.vm.script('moving the tree aside', moveTreeAside());
  const device = (await g.vm.script('attaching the target disk', attachTarget(SERIALS.target, imageBytes, plan.disk.sectorSize))).trim();
  const devices = { device };
  await g.vm.script('partitioning the target disk', renderPartitionScript(plan, { ...devices, waitForPartitions: true }));
  if (plan.lvm) await g.vm.script('creating the LVM volumes', renderLvmCreateScript(plan, devices));
  await g.vm.script('making filesystems', renderMkfsScript(plan, { ...devices, sourceDateEpoch: o.sourceDateEpoch })).catch((e: unknown) => {
    throw imageTooSmall(o, e, imageBytes);
  });
  await g.vm.script('mounting the filesystems', renderMountScript(plan, { ...devices, mountPath: p.mountPath }));
  await g.vm.script('copying the tree into the image', copyTreeIntoImage()).catch((e: unknown) => {
    throw treeTooBig(o, e, treeKiB, imageBytes);
  });
  await g.vm.script('writing /etc/fstab', renderWriteFstabScript(plan, { mountPath: p.mountPath }));
  g.blockDevice = { ...blockDeviceEnv(plan, devices), DIB_IMAGE_SIZE: String(Math.ceil(imageBytes / 1024)) };
  return { plan, device, imageBytes };
}

/** mkfs refuses a file system that small (ext4's 64 MiB journal alone outgrows a tiny --size): say it is the --size. */
function imageTooSmall(o: BuildOptions, e: unknown, imageBytes: number): unknown {
  if (o.imageSizeText === undefined || !(e instanceof Error)) return e;
  const said = /^.*(too big|too small|too large|not enough space).*$/im.exec(e.message)?.[0]?.trim();
  if (!said) return e;
  return new KilnError(`making filesystems: the ${(imageBytes / 1024 ** 2).toFixed(0)} MiB image (--size ${o.imageSizeText}) is too small for its file systems (mkfs: ${said})`, {
    hint: 'give a larger --size, or leave it out to size the image from the tree',
    cause: e,
  });
}

/** The tree does not fit the image: say how big each is, and which option decides (a --size too small, as a rule). */
function treeTooBig(o: BuildOptions, e: unknown, treeKiB: number, imageBytes: number): unknown {
  if (!(e instanceof Error && /No space left on device/.test(e.message))) return e;
  const sizes = `a ${(treeKiB / 1024).toFixed(0)} MiB tree does not fit the ${(imageBytes / 1024 ** 2).toFixed(0)} MiB image`;
  return new KilnError(`copying the tree into the image: ${sizes}${o.imageSizeText !== undefined ? ` (--size ${o.imageSizeText})` : ''}`, {
    hint: o.imageSizeText !== undefined ? 'give a larger --size, or leave it out to size the image from the tree' : 'give the image room with --image-extra-size GB or --size',
    cause: e,
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
