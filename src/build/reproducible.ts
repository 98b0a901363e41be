// The reproducible ending (src/guest/reproducible.ts): normalise the finished tree, then write
// the root filesystem again in one pass from a squashfs of it. Returns the guest directory that
// now holds the tree, read-only, for the tree outputs; the tree as it was when the layout does
// not allow a one-pass root (the user is told why).
import { renderUnmountScript } from '../blockdev/index.js';
import { guestPaths } from '../guest/paths.js';
import { mountSquash, normaliseTree, onePassRootScript, squashTree } from '../guest/reproducible.js';
import { onePassPossible, type MadeDisk } from './filesystems.js';
import type { GuestRun } from './guest.js';

export async function rewriteOnePass(g: GuestRun, disk: MadeDisk): Promise<string> {
  const p = guestPaths;
  const epoch = g.ctx.o.sourceDateEpoch!;
  const possible = onePassPossible(disk);
  if (!possible.ok) {
    g.ctx.log.warn(`SOURCE_DATE_EPOCH: the root filesystem stays as written by the kernel, not byte-reproducible: ${possible.why}`);
    return g.tree;
  }
  const squash = `${p.buildDir}/final.squashfs`;
  const step = (what: string, script: string) => g.ctx.clock.timed(what, () => g.vm.script(what, script));
  await step('normalise the tree', normaliseTree(p.mountPath, epoch));
  await step('squash the tree', squashTree(p.mountPath, squash));
  await g.vm.script('unmounting the image', renderUnmountScript(disk.plan, { mountPath: p.mountPath, fstrim: false }));
  await g.vm.script('mounting the finished tree', mountSquash(squash, p.builtPath));
  await step('mkfs in one pass', onePassRootScript(disk.plan, { device: disk.device, tree: p.builtPath, scratchFile: `${p.buildDir}/root.img`, epoch }));
  return p.builtPath;
}
