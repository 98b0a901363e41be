// One build (DESIGN.md "The flow of one build"), as a list of named steps. Each step lives in
// its own module under build/ and returns what it made; this file only sequences them and owns
// what must happen whatever becomes of the build: the VM goes, the helper drive is let go of,
// the work dir goes (or stays for --no-delete-on-failure), and nothing reaches the output
// directory unless every step succeeded.
import { basename, join } from 'node:path';
import { buildAppliance } from '../appliance/builder.js';
import { cacheLayout } from '../cache/layout.js';
import { checkDrivePath, checkHelperDrive, helperDriveError, useHelperDrive, type HelperDriveUse } from '../cache/helper-drive.js';
import { withHostCaches } from '../cache/host-lock.js';
import { cacheBound, pruneToBound } from '../cache/bound.js';
import { debianBuild } from '../distro/debian.js';
import type { DistroBuild } from '../distro/types.js';
import { redactor, userEnvironment } from '../env/envvar.js';
import { helperDriveReleased, releaseDrives } from '../guest/drives.js';
import { freeBytes, HostDiskFullError, LOW_SPACE_BYTES, watchFreeSpace } from '../host/free-space.js';
import { makeScratchDir, removeDeadScratchDirs } from '../host/scratch.js';
import { checkTmpdir } from '../host/tmpdir.js';
import type { Logger } from '../log.js';
import type { BuildOptions } from '../options.js';
import { packageRoot } from '../paths.js';
import { requireKvm } from '../vm/accel.js';
import { ApplianceVm } from '../vm/appliance-vm.js';
import { StepClock, type StepTiming } from './clock.js';
import type { BuildContext } from './context.js';
import { checkTargetSize, makeBuildDrives, SERIALS } from './drives.js';
import { imageSizeBeforeBuild } from './filesystems.js';
import { buildSettings, elementVariable, previewBlockDevice } from './environment.js';
import { GUEST_STEP_NAMES, runGuestSteps, type GuestRun } from './guest.js';
import { extraDataEnvironment, runExtraData } from './host-phase.js';
import { writeOutputs } from './outputs.js';
import { preflight } from './preflight.js';
import { planImage, prepareElements, type PreparedElements } from './prepare.js';
import { plannedOutputs, prepareOutputDir, publish, removeMadeDirs, removeMadeDirsOnInterrupt } from './publish.js';
import type { ScriptTiming } from './run-phase.js';

export interface BuildResult {
  /** What was published, top-level paths in the output directory. */
  outputs: string[];
  timings: StepTiming[];
  scripts: ScriptTiming[];
}

/**
 * The build's steps in order, host steps around the guest table: what "step N of M" counts.
 * Each is a clock.timed step; a step a build does not need (no distro packages, a phase
 * without scripts, a format's step) is skipped, and the count jumps past it.
 */
export const BUILD_STEPS: readonly string[] = ['resolve elements', 'appliance', 'packages (host)', 'extra-data.d (host)', 'boot appliance', ...GUEST_STEP_NAMES, 'merge into the helper drive', 'outputs'];

/** The work dirs of builds sit next to their outputs: the target drive becomes the image without a copy across filesystems. */
const WORK_PREFIX = '.kiln-build-';

export async function build(o: BuildOptions, log: Logger): Promise<BuildResult> {
  await checkTmpdir();
  await requireKvm(o.accel);
  if (o.drive) await checkDrivePath(o.drive);
  await preflight(o);
  // KILN_CACHE_MAX_SIZE is read now: a bad value is a usage error before anything is built
  const bound = cacheBound();
  await checkHelperDrive(o.drive ?? cacheLayout().helperDrive);
  warnUnsetEnvvars(o, log);
  const out = await prepareOutputDir(o);
  await checkTargetSize(out.dir, o).catch(async (e: unknown) => {
    removeMadeDirs(out.made);
    throw e;
  });
  const dead = await removeDeadScratchDirs(out.dir, WORK_PREFIX);
  if (dead.length) log.info(`removed ${dead.length} work director${dead.length === 1 ? 'y' : 'ies'} of builds that were killed: ${dead.join(' ')}`);
  const work = await makeScratchDir(out.dir, WORK_PREFIX);
  const forgetMadeDirs = removeMadeDirsOnInterrupt(out.made);
  const user = userEnvironment(o.envvars, process.env, o.dibEnv);
  const ctx: BuildContext = {
    o,
    log,
    clock: new StepClock(log, BUILD_STEPS),
    cache: cacheLayout(),
    work: work.path,
    staging: join(work.path, 'out'),
    base: o.imageBase,
    seed: seedOf(o),
    redact: redactor(Object.fromEntries(o.secrets.filter((k) => k in user).map((k) => [k, user[k]!]))),
  };
  const { clock } = ctx;
  let ok = false;
  let outputs: string[] = [];
  try {
    const prepared = await clock.timed('resolve elements', () => prepareElements(o, log, ctx.work, user));
    // labels, fs type and mount points are known before the size: DIB exports them to every phase;
    // with --size the layout is checked against it now, not after the tree is built
    const blockDevice = previewBlockDevice(planImage(o, prepared.blockConfig, ctx.seed, imageSizeBeforeBuild(o, prepared) ?? 8 * 1024 ** 3, user));
    const lib = o.dibLib ?? join(packageRoot, 'dib-lib');
    const distro = await distroFor(ctx, prepared, user, await extraDataEnvironment(ctx, prepared, buildSettings({ o, base: ctx.base, prepared, user, kiln: {} }), blockDevice, lib));
    if (distro) await preflight(o, distro.tools);
    const { appliance } = await clock.timed('appliance', () => buildAppliance({ logger: log, arch: o.arch }));
    const repo = distro ? await clock.timed('packages (host)', () => withHostCaches(ctx.cache, log, 'fetching packages', () => distro.prefetch({ cache: ctx.cache, work: ctx.work, logger: log }))) : undefined;
    const settings = buildSettings({ o, base: ctx.base, prepared, user, kiln: distro?.environment(repo) ?? {} });
    await clock.timed('extra-data.d (host)', () => runExtraData(ctx, prepared, settings, blockDevice, lib));
    // the helper drive through an overlay of this build's own: builds at once never wait for each other
    const helper = await useHelperDrive(o.drive ?? ctx.cache.helperDrive, ctx.work, log);
    const helperDrive = helper.drive;
    const drives = await makeBuildDrives(ctx.work, helper.overlay, repo?.image, o);
    const vm = await clock.timed('boot appliance', () =>
      ApplianceVm.boot({ appliance, logger: log, accel: o.accel, memoryMiB: o.memsizeMiB, cpus: o.smp, network: o.network, drives: drives.specs }).catch((e: unknown) => {
        // QEMU refuses a damaged qcow2 before the guest starts; its message names the file
        throw e instanceof Error && e.message.includes(basename(helperDrive)) ? helperDriveError(helperDrive, 'QEMU cannot open it', e) : e;
      }),
    );
    log.info(`appliance up in ${(vm.bootMs / 1000).toFixed(1)}s (${vm.accel?.toUpperCase()})`);
    const run: GuestRun = { ctx, vm, prepared, settings, distro, repo, helperDrive, lib, blockDevice };
    // a full host file system: stop at once rather than wait on a guest that cannot write
    const space = watchFreeSpace(out.dir, (free) => {
      log.warn(`the file system holding ${out.dir} is full (${(free / 1024 ** 2).toFixed(0)} MiB free): stopping the build`);
      void vm.kill();
    });
    try {
      await runGuestSteps(run);
    } finally {
      space.stop();
      // the helper drive must come out clean whatever happened: unmount everything first
      const released = vm.state === 'ready' && (await releaseHelperDrive(vm));
      await vm.shutdown();
      // what the build added to the cache (a failed build's downloads too) is kept only if it let go cleanly
      if (released && run.cacheMounted) await clock.timed('merge into the helper drive', () => mergeHelperDrive(helper, log));
      else {
        await helper.discard();
        if (run.cacheMounted) log.warn(`the build did not let go of the helper drive cleanly: what it added to the cache is dropped (${helper.drive} is unchanged)`);
      }
    }
    await clock.timed('outputs', () =>
      writeOutputs(ctx, { prepared, user, appliance: appliance.manifest, exported: run.exported!, disk: run.disk ? { file: drives.target, bytes: run.disk.imageBytes } : undefined }),
    );
    const planned = plannedOutputs(o);
    outputs = await publish(ctx.staging, out.dir, [planned.dotD, ...planned.files]);
    ok = true;
    if (bound !== undefined) await pruneToBound(ctx.cache, bound, log);
    return { outputs, timings: clock.steps, scripts: clock.scripts };
  } catch (err) {
    // whatever step it hit (a guest write, qemu-img, publishing), a full file system is the cause to name
    const free = await freeBytes(out.dir).catch(() => Infinity);
    const e = free < LOW_SPACE_BYTES ? new HostDiskFullError(out.dir, free, err) : err;
    if (!o.deleteOnFailure) {
      await work.keep();
      log.warn(`--no-delete-on-failure: keeping ${work.path}`);
    }
    throw e;
  } finally {
    if (ok || o.deleteOnFailure) await work.remove();
    if (!ok) removeMadeDirs(out.made);
    forgetMadeDirs();
    // the table at the end, failed or not: how long each step took, the slowest scripts
    log.emit({ type: 'summary', ok, durationMs: performance.now() - clock.startedAt, steps: clock.steps, scripts: clock.scripts, outputs });
  }
}

/** Unmount everything in the guest; true once nothing holds the helper drive's filesystem. */
async function releaseHelperDrive(vm: ApplianceVm): Promise<boolean> {
  await vm.exec('bash -s', { stdin: releaseDrives() }).catch(() => {});
  const r = await vm.exec('bash -s', { stdin: helperDriveReleased(SERIALS.cache) }).catch(() => undefined);
  return r?.exitCode === 0;
}

/** The overlay into the helper drive; a merge that fails costs the cache, never the build. */
async function mergeHelperDrive(helper: HelperDriveUse, log: Logger): Promise<void> {
  try {
    const r = await helper.merge();
    if (r.merged) log.info(`helper drive: merged this build's additions (${(r.bytes / 1024 ** 2).toFixed(0)} MiB overlay) into ${helper.drive}${r.replaced ? `, in place of ${r.replaced}` : ''}`);
    else log.info(`helper drive: ${r.reason}; this build's additions are dropped (the next build fills them in again)`);
  } catch (e) {
    log.warn(`helper drive: could not merge this build's additions, ${helper.drive} is unchanged: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `--envvar NAME` carries the host's value: say so when there is none, rather than drop it silently. */
function warnUnsetEnvvars(o: BuildOptions, log: Logger): void {
  for (const spec of o.envvars) {
    if (spec.value !== undefined || process.env[spec.name] !== undefined) continue;
    const option = o.secrets.includes(spec.name) ? '--envvar-secret' : '--envvar';
    log.warn(`${option} ${spec.name}: ${spec.name} is not set in kiln's environment, so elements will not see it (give ${option} ${spec.name}=VALUE to set it)`);
  }
}

/** The distribution the elements build, if kiln knows it (Debian today): the host package step and its variables. */
async function distroFor(ctx: BuildContext, prepared: PreparedElements, user: Readonly<Record<string, string>>, elementEnv: Readonly<Record<string, string>>): Promise<DistroBuild | undefined> {
  const { o } = ctx;
  if (!prepared.resolution.elements.some((e) => e.name === 'debian-minimal')) return undefined;
  const elementRelease = user.DIB_RELEASE ? undefined : await elementVariable(prepared, elementEnv, 'DIB_RELEASE', ctx.work);
  return debianBuild({ elements: prepared.resolution.elements, user, elementRelease, arch: o.arch, offline: o.offline, extraPackages: o.extraPackages });
}

/** --seed, else derived from SOURCE_DATE_EPOCH (reproducible), else random for this build. */
function seedOf(o: BuildOptions): string {
  return o.seed ?? (o.sourceDateEpoch !== undefined ? `kiln-${o.sourceDateEpoch}` : `kiln-${process.pid}-${Date.now()}-${Math.random()}`);
}
