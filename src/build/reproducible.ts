// The reproducible ending (SOURCE_DATE_EPOCH set; src/guest/reproducible.ts): after cleanup.d
// each FAT filesystem (the ESP) is made again in one pass with fixed times and order, the root
// tree is normalised, the outputs take the tree, and then the root filesystem is written again
// in one pass from a squashfs of it. A layout that does not allow the one-pass root keeps the
// kernel-written filesystems, and the user is told why.
import { renderUnmountScript, renderVfatRebuildScript } from '../blockdev/index.js';
import { guestPaths } from '../guest/paths.js';
import { mountSquash, normaliseTree, onePassRootScript, squashTree } from '../guest/reproducible.js';
import { onePassPossible } from './filesystems.js';
import type { GuestRun } from './guest.js';

/** Whether this build ends reproducibly: a disk, an epoch, and a layout that allows it (warned once when not). */
export function reproducibleDisk(g: GuestRun): boolean {
  if (!g.disk || g.ctx.o.sourceDateEpoch === undefined) return false;
  const possible = onePassPossible(g.disk);
  if (!possible.ok && !warned.has(g)) {
    warned.add(g);
    g.ctx.log.warn(`SOURCE_DATE_EPOCH: the root filesystem stays as written by the kernel, not byte-reproducible: ${possible.why}`);
  }
  return possible.ok;
}
const warned = new WeakSet<GuestRun>();

/** Each mounted FAT filesystem (the ESP grub-install wrote) remade in one pass, mounted again read-only. */
export async function rewriteVfat(g: GuestRun): Promise<void> {
  const { plan, device } = g.disk!;
  for (const fs of plan.filesystems.filter((f) => f.type === 'vfat' && f.mountPoint)) {
    const what = `remake ${fs.mountPoint} in one pass`;
    await g.ctx.clock.timed(what, () =>
      g.vm.script(what, renderVfatRebuildScript(plan, fs, { device, mountedAt: `${guestPaths.mountPath}${fs.mountPoint}`, staging: `${guestPaths.buildDir}/vfat-tree`, scratchFile: `${guestPaths.buildDir}/vfat.img`, epoch: g.ctx.o.sourceDateEpoch! })),
    );
  }
}

/** Logs, caches, ids and seeds out of the root tree; every mtime clamped to the epoch. */
export async function normaliseRoot(g: GuestRun): Promise<void> {
  await g.ctx.clock.timed('normalise the tree', () => g.vm.script('normalise the tree', normaliseTree(guestPaths.mountPath, g.ctx.o.sourceDateEpoch!)));
}

/** The root filesystem written again in one pass (mke2fs -d) from a squashfs of its tree. */
export async function rewriteRoot(g: GuestRun): Promise<void> {
  const p = guestPaths;
  const { plan, device } = g.disk!;
  const squash = `${p.buildDir}/final.squashfs`;
  const step = (what: string, script: string) => g.ctx.clock.timed(what, () => g.vm.script(what, script));
  await step('squash the tree', squashTree(p.mountPath, squash));
  await g.vm.script('unmounting the image', renderUnmountScript(plan, { mountPath: p.mountPath, fstrim: false }));
  await g.vm.script('mounting the finished tree', mountSquash(squash, p.builtPath));
  await step('mkfs in one pass', onePassRootScript(plan, { device, tree: p.builtPath, scratchFile: `${p.buildDir}/root.img`, epoch: g.ctx.o.sourceDateEpoch! }));
}
