// Everything a build does in the appliance, as one table walked by one loop: DIB's element
// phases in DIB's order, with kiln's fixed steps between them. The order is data (a unit test
// pins it against DIB's); each fixed step is a verb in its own module or a guest script from
// src/guest/.
import type { LocalRepo } from '../apt/local-repo.js';
import type { DistroBuild } from '../distro/types.js';
import type { Phase } from '../elements/index.js';
import { guestEnvironment, type DibSettings } from '../env/dib.js';
import { PhaseScriptError } from '../errors.js';
import { mountChroot, unmountAllUnder, unmountChroot } from '../guest/chroot.js';
import { HELPER_DRIVE_UNUSABLE, prepareDrives } from '../guest/drives.js';
import { helperDriveError } from '../cache/helper-drive.js';
import { guestPaths } from '../guest/paths.js';
import { installGuestSudoShim } from '../guest/sudo-shim.js';
import { installExtraPackages } from '../guest/tree.js';
import type { ApplianceVm } from '../vm/appliance-vm.js';
import { breakpoint } from './breakpoint.js';
import type { BuildContext } from './context.js';
import { SERIALS } from './drives.js';
import { exportFromGuest, type Exported } from './export.js';
import { makeFilesystems, unmountImage, type MadeDisk } from './filesystems.js';
import { extraTarget } from './host-phase.js';
import { phaseTable } from '../elements/phases.js';
import type { PreparedElements } from './prepare.js';
import { normaliseRoot, reproducibleDisk, rewriteRoot, rewriteVfat } from './reproducible.js';
import { transferEvents } from './progress.js';
import { runGuestPhase } from './run-phase.js';

/** One build's walk through the appliance: what it was given, and what changes as it goes. */
export interface GuestRun {
  readonly ctx: BuildContext;
  readonly vm: ApplianceVm;
  readonly prepared: PreparedElements;
  readonly settings: DibSettings;
  readonly distro?: DistroBuild;
  readonly repo?: LocalRepo;
  /** The helper drive's host file (for messages). */
  readonly helperDrive: string;
  /** $_LIB on the host: -B's directory or kiln's dib-lib/. */
  readonly lib: string;
  /** The block-device variables: a preview first, the real disk's once it is made. */
  blockDevice: Readonly<Record<string, string>>;
  /** The disk once made (not in ramdisk mode). */
  disk?: MadeDisk;
  exported?: Exported;
  /** The helper drive (this build's overlay of it) was mounted: only then has the build anything to merge. */
  cacheMounted?: boolean;
}

export type GuestStep =
  | { kind: 'phase'; phase: Exclude<Phase, 'extra-data'> }
  | { kind: 'step'; name: string; when?: (g: GuestRun) => boolean; run: (g: GuestRun) => Promise<unknown> };

const phase = (p: Exclude<Phase, 'extra-data'>): GuestStep => ({ kind: 'phase', phase: p });
const step = (name: string, run: (g: GuestRun) => Promise<unknown>, when?: (g: GuestRun) => boolean): GuestStep => ({ kind: 'step', name, run, when });

const disk = (g: GuestRun) => !g.ctx.o.ramdisk;
const what = (g: GuestRun) => (g.disk ? 'image' : 'target');

export const GUEST_STEPS: readonly GuestStep[] = [
  step('prepare drives', prepareBuildDrives),
  step('copy hooks in', copyHooksIn),
  phase('root'),
  step('merge extra-data', (g) => g.vm.putTree(extraTarget(g.ctx.work), guestPaths.mountPath, transferEvents(g.ctx.log, 'tree-in', 'extra-data tree'))),
  step('mount the chroot', (g) => g.vm.script('mounting /proc, /sys and /dev in the target', mountChroot(guestPaths.mountPath))),
  step('distro: before pre-install', (g) => g.vm.script(`preparing ${g.distro!.describe} for pre-install.d`, g.distro!.beforePreInstall(guestPaths.mountPath)!), (g) => !!g.distro?.beforePreInstall(guestPaths.mountPath)),
  phase('pre-install'),
  phase('install'),
  step('extra packages', extraPackages, (g) => g.ctx.o.extraPackages.length > 0),
  phase('post-install'),
  step('unmount the chroot', (g) => g.vm.script('unmounting the target', unmountChroot(guestPaths.mountPath))),
  phase('post-root'),
  phase('block-device'),
  step('unmount leftovers', (g) => g.vm.script('unmounting what elements left mounted in the tree', unmountAllUnder(guestPaths.mountPath))),
  step('make filesystems', async (g) => (g.disk = await makeFilesystems(g)), disk),
  step('mount the chroot', (g) => g.vm.script(`mounting /proc, /sys and /dev in the ${what(g)}`, mountChroot(guestPaths.mountPath))),
  phase('pre-finalise'),
  phase('finalise'),
  step('unmount the chroot', (g) => g.vm.script(`unmounting the ${what(g)}`, unmountChroot(guestPaths.mountPath))),
  phase('cleanup'),
  step('reproducible: remake the FAT filesystems', rewriteVfat, reproducibleDisk),
  step('reproducible: normalise the tree', normaliseRoot, reproducibleDisk),
  step('export', async (g) => (g.exported = await exportFromGuest(g))),
  step('reproducible: remake the root filesystem', rewriteRoot, reproducibleDisk),
  step('unmount the image', (g) => unmountImage(g, g.disk!), disk),
];

/** A table entry's name as a build step: a phase is `root.d`. */
export const guestStepName = (s: GuestStep): string => (s.kind === 'phase' ? `${s.phase}.d` : s.name);

/** The guest's part of the build's step list (BUILD_STEPS): one step per table entry, in order. */
export const GUEST_STEP_NAMES: readonly string[] = GUEST_STEPS.map(guestStepName);

/** Walk the table in the appliance, each entry a timed step; what the outputs need comes back in `run`. */
export async function runGuestSteps(run: GuestRun): Promise<void> {
  for (const s of GUEST_STEPS) {
    if (s.kind === 'phase') await runPhase(run, s.phase);
    else if (!s.when || s.when(run)) await run.ctx.clock.timed(s.name, () => s.run(run));
  }
}

async function runPhase(g: GuestRun, name: Exclude<Phase, 'extra-data'>): Promise<void> {
  const spec = phaseTable[name];
  const scripts = g.prepared.scripts.phases[name];
  await breakpoint(g.ctx, g.vm, `before-${name}`, spec.chroot);
  if (scripts.length) {
    await g.ctx.clock.timed(`${name}.d`, async () => {
      try {
        await runGuestPhase(g.vm, {
          phase: spec,
          scripts,
          environment: g.prepared.scripts.environment.map((s) => s.hook),
          env: guestEnvironment(g.settings, spec, g.blockDevice),
          trace: g.ctx.o.debug > 0,
          logger: g.ctx.log,
          redact: g.ctx.redact,
          record: (t) => g.ctx.clock.scripts.push(t),
        });
      } catch (e) {
        if (!(e instanceof PhaseScriptError)) throw e;
        await breakpoint(g.ctx, g.vm, 'after-error', spec.chroot);
        throw await outOfSpace(g, e);
      }
    });
  }
  await breakpoint(g.ctx, g.vm, `after-${name}`, spec.chroot);
}

/** The scratch drive made, the helper drive and the local repository mounted; a helper drive that will not mount is named. */
async function prepareBuildDrives(g: GuestRun): Promise<void> {
  try {
    await g.vm.script('preparing the scratch and helper drives', prepareDrives({ scratchSerial: SERIALS.scratch, cacheSerial: SERIALS.cache, repoSerial: g.repo ? SERIALS.repo : undefined }));
    g.cacheMounted = true;
  } catch (e) {
    if (!(e instanceof Error && e.message.includes(HELPER_DRIVE_UNUSABLE))) throw e;
    throw helperDriveError(g.helperDrive, e.message.split('\n').filter((l) => !l.includes(HELPER_DRIVE_UNUSABLE)).slice(1).join(' ').trim(), e);
  }
}

/**
 * A script that failed for want of space: say which tree filled up, how big it is, and how to
 * give it room (the image is sized from the tree before pre-finalise.d; DIB's --image-extra-size).
 */
async function outOfSpace(g: GuestRun, e: PhaseScriptError): Promise<PhaseScriptError> {
  if (!e.info.tail.some((l) => /No space left on device/.test(l))) return e;
  const df = await g.vm.exec(`df -h --output=target,size,used,avail ${guestPaths.mountPath} 2>/dev/null | tail -n +2`).catch(() => undefined);
  const usage = df?.stdout.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).join('; ') ?? '';
  const hint = g.disk
    ? `the image's file system is full (${usage || 'no df output'}): kiln sized it from the tree before pre-finalise.d (${(g.disk.imageBytes / 1024 ** 3).toFixed(2)} GiB); give it room with --image-extra-size GB or --size`
    : `the build tree's drive is full (${usage || 'no df output'}); if the host's file system filled up, free space next to the output`;
  return new PhaseScriptError(e.info, { hint });
}

/** The staged hooks, the element copies and $_LIB into the guest, and the sudo pass-through. */
async function copyHooksIn(g: GuestRun): Promise<void> {
  const events = (label: string) => transferEvents(g.ctx.log, 'tree-in', label);
  await g.vm.putTree(g.prepared.staged.hooksPath, guestPaths.hooksPath, events('hooks'));
  await g.vm.putTree(g.settings.elementsPath, guestPaths.elements, events('elements'));
  await g.vm.putTree(g.lib, guestPaths.lib, events('dib-lib'));
  await g.vm.script('installing the sudo pass-through', installGuestSudoShim());
}

async function extraPackages(g: GuestRun): Promise<void> {
  const pkgs = g.ctx.o.extraPackages;
  await g.vm.script(`installing --extra-packages ${pkgs.join(' ')}`, installExtraPackages(guestEnvironment(g.settings, phaseTable.install, g.blockDevice), pkgs));
}
