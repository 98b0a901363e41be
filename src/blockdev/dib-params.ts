// Numbers disk-image-create computes before it hands the config to dib-block-device, so a
// kiln image is the size and shape a DIB image would be.
import type { FsType } from './nodes.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface RootMkfsInput {
  fsType: FsType;
  /** --mkfs-journal-size, MiB (DIB default 64). */
  journalSizeMiB?: number;
  /** --max-online-resize, filesystem blocks. */
  maxOnlineResize?: string | number;
  /** DIB_RELEASE; trusty's fsck predates metadata_csum. */
  release?: string;
}

/**
 * The mkfs options DIB gives an ext4 root when the config has none: a journal big enough
 * for the filesystem to be grown a lot later, one inode per 4 KiB. Undefined for the rest.
 */
export function dibRootMkfsOptions(input: RootMkfsInput): string | undefined {
  if (!input.fsType.startsWith('ext')) return undefined;
  const parts: string[] = [];
  if (input.maxOnlineResize !== undefined) parts.push(`-E resize=${input.maxOnlineResize}`);
  if (input.fsType === 'ext4') {
    if (input.release === 'trusty') parts.push('-O ^metadata_csum');
    parts.push(`-i 4096 -J size=${input.journalSizeMiB ?? 64}`);
  }
  return parts.length ? parts.join(' ') : undefined;
}

export interface ImageSizeInput {
  /** Size of the finished tree in KiB (`du -a -c -x` total in the guest). */
  treeKiB: number;
  /** --image-size in GB: the size, full stop (before the EFI allowance, as in DIB). */
  imageSizeGB?: number;
  /** --image-extra-size in GB: added to the tree size instead of DIB's 40% headroom. */
  extraSizeGB?: number;
  rootFsType: FsType;
  journalSizeMiB?: number;
  /** block-device-efi is among the elements: DIB adds 525 MiB for the ESP. */
  efi?: boolean;
}

/**
 * DIB_IMAGE_SIZE in bytes. Note: DIB's help says --image-extra-size is in GB but its code
 * adds the number * 1024 KiB (i.e. MiB); kiln follows the documented unit.
 */
export function dibImageSize(input: ImageSizeInput): number {
  let kib: number;
  if (input.imageSizeGB !== undefined) {
    kib = Math.trunc(input.imageSizeGB * MiB);
  } else {
    kib = input.extraSizeGB !== undefined ? Math.trunc(input.treeKiB + input.extraSizeGB * MiB) : Math.trunc(input.treeKiB / 0.6);
    if (input.rootFsType === 'ext4') kib += (input.journalSizeMiB ?? 64) * KiB;
  }
  if (input.efi) kib += 525 * KiB;
  // qemu-img once mis-compressed raw images that were not a multiple of 64 KiB.
  kib = Math.ceil(kib / 64) * 64;
  return kib * KiB;
}
