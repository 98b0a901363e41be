// The drives a build's appliance gets besides its own root: a throwaway scratch drive (the
// build tree), the target drive that becomes the image, the local repository when the distro
// made one, and the helper drive (caches), each found in the guest by its serial.
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { createSparse } from '../vm/disks.js';
import type { DriveSpec } from '../vm/qemu-args.js';

export const SERIALS = { scratch: 'kiln-scratch', target: 'kiln-target', repo: 'kiln-repo', cache: 'kiln-cache' } as const;

/** Sparse: the image is the first DIB_IMAGE_SIZE bytes of it. */
const TARGET_VIRTUAL_BYTES = 1024 ** 4;
const SCRATCH_BYTES = 256 * 1024 ** 3;

export interface BuildDrives {
  specs: DriveSpec[];
  /** The host file of the target drive: truncated to the image size, it is the raw image. */
  target: string;
}

export async function makeBuildDrives(work: string, helperDrive: string, repoImage: string | undefined, imageSizeGB?: number): Promise<BuildDrives> {
  const scratch = join(work, 'scratch.raw');
  const target = join(work, 'target.raw');
  const targetBytes = Math.max(TARGET_VIRTUAL_BYTES, Math.ceil((imageSizeGB ?? 0) * 1024 ** 3));
  await createSparse(scratch, SCRATCH_BYTES);
  await createSparse(target, targetBytes).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EFBIG' && e.code !== 'EINVAL') throw e;
    throw new UsageError(`--size ${imageSizeGB}G: the file system of ${dirname(work)} cannot hold a file that large (${e.code})`, { hint: 'give a smaller --size, or build onto a file system that allows larger files' });
  });
  const specs: DriveSpec[] = [
    { file: scratch, serial: SERIALS.scratch, format: 'raw', cache: 'unsafe' },
    { file: target, serial: SERIALS.target, format: 'raw', cache: 'unsafe', discard: true },
  ];
  if (repoImage) specs.push({ file: repoImage, serial: SERIALS.repo, format: 'raw', readonly: true });
  specs.push({ file: helperDrive, serial: SERIALS.cache, format: 'qcow2', cache: 'writeback' });
  return { specs, target };
}
