// What the outputs need from the guest before the image is let go of: a tar of the finished
// tree (for tree formats), the image's package list, and what elements left in the image dir:
// NAME.d/ (dib-manifests...) and, from baremetal, NAME.vmlinuz / NAME.initrd, which DIB puts
// next to the image; in ramdisk mode NAME.kernel / NAME.initramfs (DIB's ramdisk names), which
// kiln puts into NAME.d/. All of it lands in the build's staging dir, published at the end.
import { mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { KilnError } from '../errors.js';
import { guestPaths } from '../guest/paths.js';
import { reproducibleTarArgs } from '../guest/reproducible.js';
import { listImageDir, readDpkgStatus, stageImageFiles } from '../guest/tree.js';
import { quote } from '../quote.js';
import type { GuestRun } from './guest.js';
import { transferEvents } from './progress.js';

export interface Exported {
  /** The host file of the tree tar, when a format needs it. */
  treeTar?: string;
  /** The image's /var/lib/dpkg/status ('' when it has none). */
  dpkgStatus: string;
}

export const treeTarPath = (work: string) => join(work, 'tree.tar');

export async function exportFromGuest(g: GuestRun): Promise<Exported> {
  const { o } = g.ctx;
  let treeTar: string | undefined;
  if (o.formats.some((f) => f.needs === 'tree')) {
    treeTar = treeTarPath(g.ctx.work);
    const epoch = o.sourceDateEpoch;
    const tarArgs = ['--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*', '--exclude=./lost+found', ...(epoch !== undefined ? reproducibleTarArgs(epoch) : [])];
    await g.vm.getTreeArchive(guestPaths.mountPath, treeTar, tarArgs, transferEvents(g.ctx.log, 'tree-out', 'tree tar'));
  }
  const dpkgStatus = await g.vm.script('reading the image\'s package list', readDpkgStatus(guestPaths.mountPath));
  const name = basename(g.ctx.base);
  const dotD = join(g.ctx.staging, `${name}.d`);
  await mkdir(dotD, { recursive: true });
  const left = (await g.vm.script('listing what elements left in the image dir', listImageDir())).split('\n').filter(Boolean);
  if (left.includes(`${name}.d`)) await g.vm.getTree(`${guestPaths.imageDir}/${name}.d`, dotD);
  const ramdisk = [`${name}.kernel`, `${name}.initramfs`];
  const kernels = left.filter((l) => l === `${name}.vmlinuz` || l === `${name}.initrd` || (o.ramdisk && ramdisk.includes(l)));
  if (kernels.length) {
    const outbox = `${guestPaths.outbox}/kernel`;
    const dir = join(g.ctx.work, 'kernel');
    await mkdir(dir, { recursive: true });
    await g.vm.script(`copying ${kernels.map(quote).join(', ')} out of the image dir`, stageImageFiles(kernels, outbox));
    await g.vm.getTree(outbox, dir, transferEvents(g.ctx.log, 'tree-out', kernels.join(', ')));
    for (const k of kernels) await rename(join(dir, k), ramdisk.includes(k) ? join(dotD, k) : join(g.ctx.staging, k));
  }
  if (o.ramdisk) {
    const missing = ramdisk.filter((f) => !kernels.includes(f));
    if (missing.length) throw new KilnError(`ramdisk mode: the ${o.ramdiskElement} element left no ${missing.join(' or ')} in the output directory (TMP_IMAGE_DIR or the working directory of cleanup.d)`, { hint: `check that ${o.ramdiskElement} builds a ramdisk (and that the tree has a kernel)` });
  }
  return { treeTar, dpkgStatus };
}
