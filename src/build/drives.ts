// The drives a build's appliance gets besides its own root: a throwaway scratch drive (the
// build tree), the target drive that becomes the image, the local repository when the distro
// made one, and the helper drive (caches), each found in the guest by its serial.
import { rm } from 'node:fs/promises';
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

export interface TargetSize {
  imageSizeGB?: number;
  /** --size as the user wrote it. */
  imageSizeText?: string;
}

const targetBytesOf = (size: TargetSize) => Math.max(TARGET_VIRTUAL_BYTES, Math.ceil((size.imageSizeGB ?? 0) * 1024 ** 3));

/** A sparse file of the target drive's size in `dir`, or a usage error naming --size when its file system cannot hold one. */
async function createTarget(file: string, size: TargetSize): Promise<void> {
  await createSparse(file, targetBytesOf(size)).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EFBIG' && e.code !== 'EINVAL') throw e;
    await rm(file, { force: true });
    const what = size.imageSizeText !== undefined ? `--size ${size.imageSizeText}` : `the target drive (${TARGET_VIRTUAL_BYTES / 1024 ** 4} TiB, sparse)`;
    throw new UsageError(`${what}: the file system of ${dirname(file)} cannot hold a file that large (${e.code})`, {
      hint: size.imageSizeText !== undefined ? 'give a smaller --size, or build onto a file system that allows larger files' : 'build onto a file system that allows large sparse files (-o DIR/NAME)',
    });
  });
}

/** Before anything starts: can `dir` (where the work dir goes) hold the target drive? A probe file, made and removed. */
export async function checkTargetSize(dir: string, size: TargetSize): Promise<void> {
  const probe = join(dir, `.kiln-size-probe-${process.pid}`);
  try {
    await createTarget(probe, size);
  } finally {
    await rm(probe, { force: true });
  }
}

export async function makeBuildDrives(work: string, helperDrive: string, repoImage: string | undefined, size: TargetSize): Promise<BuildDrives> {
  const scratch = join(work, 'scratch.raw');
  const target = join(work, 'target.raw');
  await createSparse(scratch, SCRATCH_BYTES);
  await createTarget(target, size);
  const specs: DriveSpec[] = [
    { file: scratch, serial: SERIALS.scratch, format: 'raw', cache: 'unsafe' },
    { file: target, serial: SERIALS.target, format: 'raw', cache: 'unsafe', discard: true },
  ];
  if (repoImage) specs.push({ file: repoImage, serial: SERIALS.repo, format: 'raw', readonly: true });
  specs.push({ file: helperDrive, serial: SERIALS.cache, format: 'qcow2', cache: 'writeback' });
  return { specs, target };
}
