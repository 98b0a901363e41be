// One build, step by step (DESIGN.md "The flow of one build"). Each step is a function;
// this file only sequences them and owns the cleanup order.
import { chmod, mkdir, mkdtemp, rename, rm, truncate, writeFile, readFile } from 'node:fs/promises';
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildAppliance, defaultSources } from './appliance/builder.js';
import { configFromEnv, defaultConfig, planFromYaml, blockDeviceEnv, dibImageSize, renderPartitionScript, renderMkfsScript, renderMountScript, renderUnmountScript, renderWriteFstabScript, canPopulateRoot, type Plan } from './blockdev/index.js';
import { blockDeviceConfig, collectScripts, elementPathFromOptions, resolveElements, stageElements, stagedElementEnv, stageHooks, type Resolution, type ScriptPlan, type StagedHooks } from './elements/index.js';
import { guestEnvironment, hostEnvironment, type DibSettings } from './env/dib.js';
import { redactor, userEnvironment } from './env/envvar.js';
import { KilnError, PhaseScriptError, UsageError } from './errors.js';
import type { Logger } from './log.js';
import type { BuildOptions } from './options.js';
import { getFormat, imageBaseName, outputFileName, writeChecksums } from './outputs/index.js';
import { attachTarget, measureTree, mountChroot, prepareDrives, releaseDrives, unmountAllUnder, unmountChroot } from './phases/guest-steps.js';
import { runGuestPhase, runHostPhase, type ScriptTiming } from './phases/runner.js';
import { CHROOT_PATH, exportLines } from './phases/render.js';
import { guestPaths, phaseTable } from './phases/table.js';
import { builtinElementsDir, cacheDir, kilnVersion, packageRoot } from './paths.js';
import { elementDigest, installedPackages, renderManifest, type BuildManifest } from './outputs/manifest.js';
import type { ApplianceManifest } from './appliance/store.js';
import { ApplianceVm } from './vm/appliance-vm.js';
import { createQcow2, createSparse, lockOwner, tryLock } from './vm/disks.js';
import type { DriveSpec } from './vm/qemu-args.js';
import { buildLocalRepo, type LocalRepo } from './apt/local-repo.js';
import { writePackageInstalls } from './elements/package-installs.js';
import { INITRAMFS_ELEMENT, needsInitramfsDeferral } from './elements/kiln-additions.js';
import { debianPackageSet } from './apt/package-set.js';
import { seedAptArchives, upstreamRepoDefaults, type RealSources } from './apt/upstream-debootstrap.js';
import { quote } from './env/quote.js';
import { onInterrupt } from './signals.js';
import { partialDir } from './outputs/atomic.js';
import { mountSquash, normaliseTree, onePassRootScript, reproducibleTarArgs, squashTree } from './phases/reproducible.js';
import { installGuestSudoShim, SUDO_SHIM } from './phases/sudo-shim.js';

export interface BuildResult {
  outputs: string[];
  timings: { step: string; durationMs: number }[];
  scripts: ScriptTiming[];
}

interface Ctx {
  o: BuildOptions;
  log: Logger;
  work: string;
  base: string;
  settings: DibSettings;
  resolution: Resolution;
  scripts: ScriptPlan;
  staged: StagedHooks;
  redact: (t: string) => string;
  timings: { step: string; durationMs: number }[];
  scriptTimings: ScriptTiming[];
  blockConfig: string;
  /** One per build: UUIDs, GUIDs and output ids all derive from it. */
  seed: string;
  /** The root filesystem type (it does not depend on the image size). */
  rootType: Plan['root']['type'];
  appliance?: ApplianceManifest;
  /** The target disk's loop device in the guest, once attached. */
  targetDevice?: string;
  /** The image's dpkg status file, read before the image is unmounted (for the manifest). */
  dpkgStatus?: string;
  /** The real mirror and release (the user's variables, before kiln points a debootstrap element at its local repository). */
  sources: RealSources;
  /** Copy the local repository's debs into the target's apt archives before pre-install.d (another debootstrap element than kiln's). */
  seedApt?: boolean;
}

const TARGET_VIRTUAL_BYTES = 1024 ** 4; // sparse; the image is the first DIB_IMAGE_SIZE bytes
const SCRATCH_BYTES = 256 * 1024 ** 3;
const HELPER_BYTES = 256 * 1024 ** 3;

export async function build(o: BuildOptions, log: Logger): Promise<BuildResult> {
  const name = imageBaseName(resolve(o.name), o.formats);
  const outDir = dirname(name);
  await mkdir(outDir, { recursive: true });
  // next to the output: the target drive becomes the image without a copy across filesystems
  const work = await mkdtemp(join(outDir, '.kiln-build-'));
  const outputs: string[] = [];
  let releaseHelper: (() => void) | undefined;
  // interrupted: no half-written outputs, no build directory, no lock left behind
  let ok = false;
  const unhook = onInterrupt(() => {
    releaseHelper?.();
    const failed = ok ? [] : [...outputs, ...outputs.map(partialDir)];
    for (const f of [work, ...failed]) rmSync(f, { recursive: true, force: true });
  });
  const timings: Ctx['timings'] = [];
  try {
    const ctx = await timed(timings, log, 'resolve elements', () => prepareElements(o, log, work, name, timings));
    await timed(timings, log, 'extra-data.d (host)', () => runExtraData(ctx));
    const { appliance } = await timed(timings, log, 'appliance', () => buildAppliance({ logger: log }));
    ctx.appliance = appliance.manifest;
    // from here on the build uses the caches: one build at a time per helper drive
    const helper = await lockHelperDrive(ctx);
    releaseHelper = helper.release;
    const repo = await timed(timings, log, 'packages (host)', () => prefetchPackages(ctx));
    const drives = await prepareDriveFiles(ctx, helper.path, repo?.image);
    const vm = await timed(timings, log, 'boot appliance', () =>
      ApplianceVm.boot({ appliance, logger: log, accel: o.accel, memoryMiB: o.memsizeMiB, cpus: o.smp, network: o.network, drives: drives.specs }),
    );
    log.info(`appliance up in ${(vm.bootMs / 1000).toFixed(1)}s (${vm.accel?.toUpperCase()})`);
    let imageBytes = 0;
    try {
      imageBytes = await guestBuild(ctx, vm);
    } finally {
      // the helper drive must come out clean whatever happened: unmount everything first
      if (vm.state === 'ready') await vm.exec(`bash -s`, { stdin: releaseDrives() }).catch(() => {});
      await vm.shutdown();
    }
    await timed(timings, log, 'outputs', () => writeOutputs(ctx, drives.target, imageBytes, outputs));
    ok = true;
    return { outputs, timings, scripts: ctx.scriptTimings };
  } catch (e) {
    if (!o.deleteOnFailure) log.warn(`--no-delete-on-failure: keeping ${work}`);
    throw e;
  } finally {
    releaseHelper?.();
    if (ok || o.deleteOnFailure) {
      await rm(work, { recursive: true, force: true });
      if (!ok) for (const f of outputs) await rm(f, { recursive: true, force: true });
    }
    // only now: an interrupt while the directories go finishes removing them
    unhook();
  }
}

async function timed<T>(timings: Ctx['timings'], log: Logger, step: string, body: () => Promise<T>): Promise<T> {
  log.emit({ type: 'step', step, state: 'start' });
  const t0 = performance.now();
  const r = await body();
  const durationMs = performance.now() - t0;
  timings.push({ step, durationMs });
  log.emit({ type: 'step', step, state: 'end', durationMs });
  return r;
}

async function prepareElements(o: BuildOptions, log: Logger, work: string, base: string, timings: Ctx['timings']): Promise<Ctx> {
  const elementPaths = elementPathFromOptions(o.elementPaths, process.env);
  // ramdisk mode: the ramdisk element comes first, as ramdisk-image-create puts it
  const names = o.ramdisk ? [o.ramdiskElement, ...o.elements.filter((e) => e !== o.ramdiskElement)] : o.elements;
  const resolve = (extra: string[]) => resolveElements({ names: [...names, ...extra], elementPaths, skipBase: o.skipBase, excludeElements: o.excludeElements, arch: o.arch });
  let resolution = resolve([]);
  const foreignDpkg = needsInitramfsDeferral(resolution, o.excludeElements, isBuiltin);
  if (foreignDpkg) {
    log.info(`element dpkg is ${foreignDpkg}: adding kiln's ${INITRAMFS_ELEMENT} (each kernel's initramfs made once, after install.d; --exclude-element ${INITRAMFS_ELEMENT} leaves it to the packages)`);
    resolution = resolve([INITRAMFS_ELEMENT]);
  }
  const scripts = collectScripts(resolution.elements, { excludeScripts: o.excludeScripts });
  const staged = stageHooks(resolution, work, { excludeScripts: o.excludeScripts });
  const elementsCopy = stageElements(resolution.elements, join(work, 'elements'));
  // DIB's package-installs-squash, done here in TS: the target needs no python for it
  writePackageInstalls(staged.hooksPath, resolution.elements, { arch: o.arch });
  log.info(`elements: ${resolution.elements.map((e) => e.name).join(' ')}`);
  const inSet = new Set(resolution.elements.map((e) => e.name));
  for (const ov of resolution.overrides.filter((x) => inSet.has(x.name))) log.info(`element ${ov.name}: using ${ov.used}, which hides ${ov.shadowed}`);
  const user = userEnvironment(o.envvars, process.env, o.dibEnv);
  if (o.ramdisk) user.RAMDISK_ELEMENT ??= o.ramdiskElement; // DIB's ramdisk-defaults exports it
  const secrets = Object.fromEntries(o.secrets.filter((k) => k in user).map((k) => [k, user[k]!]));
  const blockConfig = await chooseBlockConfig(resolution, user);
  // labels, fs type and mount points are known before the size: DIB exports them to every phase
  const seed = seedOf(o);
  const preview = planImage({ o, blockConfig, seed, imageBytes: 8 * 1024 ** 3, user });
  const settings: DibSettings = {
    imageName: basename(base),
    arch: o.arch,
    imageElement: staged.imageElement,
    imageElementYaml: staged.imageElementYaml,
    elementsPath: elementsCopy,
    imageElementArray: staged.imageElementArray,
    guest: { ...guestElementEnv(resolution.elements), elementsPath: guestPaths.elements },
    offline: o.offline,
    sourceDateEpoch: o.sourceDateEpoch,
    debugTrace: o.debug,
    installType: o.installType,
    blockDevice: blockDeviceEnv(preview),
    user,
    args: o.elements.join(' '),
    secrets: o.secrets,
  };
  const ctx: Ctx = { o, log, work, base, sources: realSources(user), settings, resolution, scripts, staged, redact: redactor(secrets), timings, scriptTimings: [], blockConfig, seed, rootType: preview.root.type };
  upstreamDebootstrap(ctx);
  return ctx;
}

async function chooseBlockConfig(resolution: Resolution, user: Record<string, string>): Promise<string> {
  if (user.DIB_BLOCK_DEVICE_CONFIG) {
    return configFromEnv(user.DIB_BLOCK_DEVICE_CONFIG);
  }
  const fromElement = blockDeviceConfig(resolution.elements, 'amd64');
  if (fromElement) return readFile(fromElement.source, 'utf8');
  return defaultConfig(resolution.elements.some((e) => e.name === 'vm') ? 'mbr' : 'none');
}

function seedOf(o: BuildOptions): string {
  return o.seed ?? (o.sourceDateEpoch !== undefined ? `kiln-${o.sourceDateEpoch}` : `kiln-${process.pid}-${Date.now()}-${Math.random()}`);
}

function planImage(a: { o: BuildOptions; blockConfig: string; seed: string; imageBytes: number; user: Record<string, string> }): Plan {
  return planFromYaml(a.blockConfig, {
    seed: a.seed,
    imageSize: a.imageBytes,
    fsType: a.o.fsType,
    rootLabel: a.o.rootLabel,
    mkfsOptions: a.o.mkfsOptions,
    release: a.user.DIB_RELEASE,
  });
}

async function runExtraData(ctx: Ctx): Promise<void> {
  const scripts = ctx.scripts.phases['extra-data'];
  const extraTarget = join(ctx.work, 'extra-target');
  await mkdir(extraTarget, { recursive: true });
  if (scripts.length === 0) return;
  // DIB runs root.d first, so extra-data.d finds a tree with /tmp (package-installs-squash writes there)
  await mkdir(join(extraTarget, 'tmp'));
  await chmod(join(extraTarget, 'tmp'), 0o1777);
  const shim = join(ctx.work, 'host-bin');
  await mkdir(shim, { recursive: true });
  // elements call sudo to write into TARGET_ROOT as DIB ran as root; here the tree is the user's
  await writeFile(join(shim, 'sudo'), SUDO_SHIM, { mode: 0o755 });
  const imageCache = join(cacheDir(), 'image-cache');
  await mkdir(imageCache, { recursive: true });
  const env = hostEnvironment(ctx.settings, {
    hooks: ctx.staged.hooksPath,
    targetRoot: extraTarget,
    buildDir: ctx.work,
    lib: dibLib(ctx.o),
    imageCache,
    path: `${shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    home: process.env.HOME ?? ctx.work,
  });
  const timings = await runHostPhase(
    { phase: phaseTable['extra-data'], scripts, environment: ctx.scripts.environment.map((s) => s.hook), env, trace: ctx.o.debug > 0, logger: ctx.log, redact: ctx.redact },
    ctx.staged.hooksPath,
    ctx.work,
  );
  ctx.scriptTimings.push(...timings);
}

/**
 * Debian builds: resolve and download on the host what debootstrap and package-installs
 * will install, and give the guest a local repository of it (src/apt/local-repo.ts).
 */
async function prefetchPackages(ctx: Ctx): Promise<LocalRepo | undefined> {
  const names = new Set(ctx.resolution.elements.map((e) => e.name));
  if (!names.has('debootstrap') || !names.has('debian-minimal')) return undefined;
  const u = ctx.settings.user;
  const real = ctx.sources;
  const wanted = debianPackageSet(ctx.resolution.elements, { arch: ctx.o.arch, distro: { distro: 'debian', family: 'debian', release: real.suite }, isBuiltin });
  const include = (u.DIB_DEBOOTSTRAP_INCLUDE ?? 'systemd-sysv,ca-certificates').split(',');
  const repo = await buildLocalRepo(
    {
      ...real,
      keyring: u.DIB_APT_KEYRING ?? u.DIB_DEBIAN_KEYRING ?? defaultSources.keyring,
      arch: ctx.o.arch,
      packages: [...include, ...wanted, ...ctx.o.extraPackages],
      offline: ctx.o.offline,
    },
    { cache: cacheDir(), work: ctx.work, logger: ctx.log },
  );
  ctx.log.info(`local repository: ${repo.packages} packages, ${(repo.bytes / 1e6).toFixed(0)} MB, prepared on the host`);
  ctx.settings.user = { ...ctx.settings.user, KILN_LOCAL_REPO: guestPaths.repo, ...(repo.listsDigest ? { KILN_HOST_APT_LISTS: repo.listsDigest } : {}) };
  return repo;
}

/** The mirror, release and components the user's variables name (the local repository's source). */
function realSources(u: Record<string, string>): RealSources {
  return {
    mirror: u.DIB_DISTRIBUTION_MIRROR ?? defaultSources.mirror,
    securityMirror: u.DIB_DEBIAN_SECURITY_MIRROR ?? defaultSources.securityMirror,
    suite: u.DIB_RELEASE ?? defaultSources.suite,
    components: (u.DIB_DEBIAN_COMPONENTS ?? 'main').split(','),
  };
}

function isBuiltin(e: { path: string }): boolean {
  return e.path.startsWith(`${realpathSync(builtinElementsDir)}/`);
}

/** kiln's debootstrap element reads KILN_LOCAL_REPO; another one (DIB's) is pointed at the repository through its own variables. */
function upstreamDebootstrap(ctx: Ctx): void {
  const names = new Set(ctx.resolution.elements.map((e) => e.name));
  const element = ctx.resolution.elements.find((e) => e.name === 'debootstrap');
  if (!element || isBuiltin(element) || !names.has('debian-minimal')) return;
  const defaults = upstreamRepoDefaults(ctx.settings.user, ctx.sources);
  ctx.log.info(Object.keys(defaults).length ? `debootstrap element ${element.path}: pointed at kiln's local repository (${Object.keys(defaults).join(', ')})` : `DIB_DEBIAN_DISTRIBUTION_MIRROR is set: debootstrap uses it, not kiln's local repository`);
  ctx.seedApt = true;
  ctx.settings.user = { ...ctx.settings.user, ...defaults };
}

/**
 * The helper drive, locked for this build. A second build on the same drive waits, saying
 * so: an overlay of a qcow2 another QEMU is writing would read half-written metadata, and
 * the host package cache next to it is shared too. --drive gives a build its own drive.
 */
async function lockHelperDrive(ctx: Ctx): Promise<{ path: string; release: () => void }> {
  const path = ctx.o.drive ? resolve(ctx.o.drive) : join(cacheDir(), 'helper.qcow2');
  await mkdir(dirname(path), { recursive: true });
  let release = tryLock(`${path}.lock`);
  if (!release) {
    ctx.log.warn(`the helper drive ${path} is in use by another build (pid ${lockOwner(`${path}.lock`) ?? '?'}): waiting for it to finish (--drive FILE gives this build a drive of its own)`);
    const t0 = performance.now();
    while (!(release = tryLock(`${path}.lock`))) await new Promise((r) => setTimeout(r, 1000));
    ctx.log.info(`the helper drive is free after ${((performance.now() - t0) / 1000).toFixed(0)}s: continuing`);
  }
  return { path, release };
}

async function prepareDriveFiles(ctx: Ctx, helper: string, repoImage?: string): Promise<{ specs: DriveSpec[]; target: string }> {
  const scratch = join(ctx.work, 'scratch.raw');
  const target = join(ctx.work, 'target.raw');
  await createSparse(scratch, SCRATCH_BYTES);
  await createSparse(target, TARGET_VIRTUAL_BYTES);
  const specs: DriveSpec[] = [
    { file: scratch, serial: 'kiln-scratch', format: 'raw', cache: 'unsafe' },
    { file: target, serial: 'kiln-target', format: 'raw', cache: 'unsafe', discard: true },
  ];
  if (repoImage) specs.push({ file: repoImage, serial: 'kiln-repo', format: 'raw', readonly: true });
  if (!existsSync(helper)) await createQcow2(helper, HELPER_BYTES);
  specs.push({ file: helper, serial: 'kiln-cache', format: 'qcow2', cache: 'writeback' });
  return { specs, target };
}

async function guestExec(vm: ApplianceVm, what: string, script: string): Promise<string> {
  const r = await vm.exec('bash -s', { stdin: script });
  if (r.exitCode !== 0) throw new KilnError(`${what} failed in the appliance (exit ${r.exitCode ?? r.signal}):\n  ${(r.stderr || r.stdout).trim().split('\n').slice(-20).join('\n  ')}`);
  return r.stdout;
}

/** Everything in the appliance; returns the image size in bytes. */
async function guestBuild(ctx: Ctx, vm: ApplianceVm): Promise<number> {
  const { o, log, timings } = ctx;
  const p = guestPaths;
  await timed(timings, log, 'prepare drives', () => guestExec(vm, 'preparing the scratch and helper drives', prepareDrives({ scratchSerial: 'kiln-scratch', cacheSerial: 'kiln-cache', repoSerial: 'KILN_LOCAL_REPO' in ctx.settings.user ? 'kiln-repo' : undefined })));
  await timed(timings, log, 'copy hooks in', async () => {
    await vm.putTree(ctx.staged.hooksPath, p.hooksPath);
    await vm.putTree(ctx.settings.elementsPath, p.elements);
    const lib = dibLib(o);
    if (existsSync(lib)) await vm.putTree(lib, p.lib);
    await guestExec(vm, 'installing the sudo pass-through', installGuestSudoShim());
  });
  const phase = async (name: keyof typeof phaseTable) => {
    const spec = phaseTable[name];
    const scripts = ctx.scripts.phases[name];
    await breakpoint(ctx, vm, `before-${name}`, spec.chroot);
    if (scripts.length) {
      await timed(timings, log, `${name}.d`, async () => {
        try {
          const t = await runGuestPhase(vm, { phase: spec, scripts, environment: ctx.scripts.environment.map((s) => s.hook), env: guestEnvironment(ctx.settings, spec), trace: o.debug > 0, logger: log, redact: ctx.redact });
          ctx.scriptTimings.push(...t);
        } catch (e) {
          if (e instanceof PhaseScriptError) await breakpoint(ctx, vm, 'after-error', spec.chroot);
          throw e;
        }
      });
    }
    await breakpoint(ctx, vm, `after-${name}`, spec.chroot);
  };

  await phase('root');
  if (existsSync(join(ctx.work, 'extra-target'))) await vm.putTree(join(ctx.work, 'extra-target'), p.mountPath);
  await guestExec(vm, 'mounting /proc, /sys and /dev in the target', mountChroot(p.mountPath));
  if (ctx.seedApt) await guestExec(vm, 'seeding apt\'s archive cache from the local repository', seedAptArchives(p.mountPath));
  await phase('pre-install');
  await phase('install');
  if (o.extraPackages.length) {
    await guestExec(vm, `installing --extra-packages ${o.extraPackages.join(' ')}`, `set -e\n${exportLines(guestEnvironment(ctx.settings, phaseTable.install))}chroot ${p.mountPath} /usr/bin/env PATH="${CHROOT_PATH}" install-packages ${o.extraPackages.map(quote).join(' ')}\n`);
  }
  await phase('post-install');
  await guestExec(vm, 'unmounting the target', unmountChroot(p.mountPath));
  await phase('post-root');
  await phase('block-device');
  await guestExec(vm, 'unmounting what elements left mounted in the tree', unmountAllUnder(p.mountPath));
  // pre-finalise.d and finalise.d in the chroot of `what`, then cleanup.d outside it
  const finishPhases = async (what: string) => {
    await guestExec(vm, `mounting /proc, /sys and /dev in the ${what}`, mountChroot(p.mountPath));
    await phase('pre-finalise');
    await phase('finalise');
    await guestExec(vm, `unmounting the ${what}`, unmountChroot(p.mountPath));
    await phase('cleanup');
  };
  if (o.ramdisk) {
    // no disk: the finalise phases run on the tree itself; the ramdisk element leaves the files
    await finishPhases('target');
    await timed(timings, log, 'export', () => exportFromGuest(ctx, vm, p.mountPath));
    return 0;
  }

  // the block device: size from the finished tree (DIB's rule), then partition, mkfs, copy
  const treeKiB = Number((await guestExec(vm, 'measuring the tree', measureTree(p.mountPath))).trim());
  // DIB's formula leaves no room for a 64 MiB journal on a tiny tree: never below 256 MiB
  const imageBytes = minimumSize(o, dibImageSize({ treeKiB, imageSizeGB: o.imageSizeGB, extraSizeGB: o.imageExtraSizeGB, rootFsType: ctx.rootType, efi: ctx.resolution.elements.some((e) => e.name === 'block-device-efi') }));
  const plan = planImage({ o, blockConfig: ctx.blockConfig, seed: ctx.seed, imageBytes, user: ctx.settings.user });
  log.info(`image size ${(imageBytes / 1024 ** 3).toFixed(2)} GiB for a ${(treeKiB / 1024).toFixed(0)} MiB tree`);
  await timed(timings, log, 'make filesystems', async () => {
    await guestExec(vm, 'moving the tree aside', `set -e; mv ${p.mountPath} ${p.builtPath}; mkdir -p ${p.mountPath}`);
    const loop = (await guestExec(vm, 'attaching the target disk', attachTarget('kiln-target', imageBytes))).trim();
    const devices = { device: loop };
    ctx.targetDevice = loop;
    await guestExec(vm, 'partitioning the target disk', renderPartitionScript(plan, { ...devices, waitForPartitions: true }));
    await guestExec(vm, 'making filesystems', renderMkfsScript(plan, { ...devices, sourceDateEpoch: o.sourceDateEpoch }));
    await guestExec(vm, 'mounting the filesystems', renderMountScript(plan, { ...devices, mountPath: p.mountPath }));
    await guestExec(vm, 'copying the tree into the image', `set -e; cp -a ${p.builtPath}/. ${p.mountPath}/; rm -rf ${p.builtPath}`);
    await guestExec(vm, 'writing /etc/fstab', renderWriteFstabScript(plan, { mountPath: p.mountPath }));
    ctx.settings.blockDevice = { ...blockDeviceEnv(plan, devices), DIB_IMAGE_SIZE: String(Math.ceil(imageBytes / 1024)) };
  });
  await finishPhases('image');
  let tree: string = p.mountPath;
  if (o.sourceDateEpoch !== undefined) {
    const onePass = canPopulateRoot(plan);
    if (onePass.ok) tree = await rewriteOnePass(ctx, vm, plan, o.sourceDateEpoch!);
    else log.warn(`SOURCE_DATE_EPOCH: the root filesystem stays as written by the kernel, not byte-reproducible: ${onePass.why}`);
  }
  await timed(timings, log, 'export', () => exportFromGuest(ctx, vm, tree));
  await guestExec(vm, 'unmounting the image', `set -e\n${renderUnmountScript(plan, { mountPath: p.mountPath })}\numount ${p.builtPath} 2>/dev/null || true\nlosetup -D\nsync\n`);
  return imageBytes;
}

/**
 * The reproducible ending (src/phases/reproducible.ts): normalise the finished tree, then
 * write the root filesystem again in one pass from a squashfs of it. Returns the guest
 * directory that now holds the tree, read-only, for the tree outputs.
 */
async function rewriteOnePass(ctx: Ctx, vm: ApplianceVm, plan: Plan, epoch: number): Promise<string> {
  const p = guestPaths;
  const squash = `${p.buildDir}/final.squashfs`;
  const step = (what: string, script: string) => timed(ctx.timings, ctx.log, what, () => guestExec(vm, what, script));
  await step('normalise the tree', normaliseTree(p.mountPath, epoch));
  await step('squash the tree', squashTree(p.mountPath, squash));
  await guestExec(vm, 'unmounting the image', renderUnmountScript(plan, { mountPath: p.mountPath, fstrim: false }));
  await guestExec(vm, 'mounting the finished tree', mountSquash(squash, p.builtPath));
  await step('mkfs in one pass', onePassRootScript(plan, { device: ctx.targetDevice!, tree: p.builtPath, scratchFile: `${p.buildDir}/root.img`, epoch }));
  return p.builtPath;
}

function guestElementEnv(elements: Resolution['elements']): { imageElementYaml: string; imageElementArray: string } {
  const env = stagedElementEnv(elements, guestPaths.elements);
  return { imageElementYaml: env.IMAGE_ELEMENT_YAML, imageElementArray: env.imageElementArray };
}

/** $_LIB: -B's directory, else kiln's implementation of DIB's library. */
function dibLib(o: BuildOptions): string {
  return o.dibLib ?? join(packageRoot, 'dib-lib');
}

function minimumSize(o: BuildOptions, bytes: number): number {
  return o.imageSizeGB !== undefined ? bytes : Math.max(bytes, 256 * 1024 ** 2);
}

/** What the outputs need from the guest before the image is unmounted: tree tar, manifests. */
async function exportFromGuest(ctx: Ctx, vm: ApplianceVm, tree: string): Promise<void> {
  const p = guestPaths;
  if (ctx.o.formats.some((f) => getFormat(f).needs === 'tree')) {
    const epoch = ctx.o.sourceDateEpoch;
    await vm.getTreeArchive(tree, join(ctx.work, 'tree.tar'), ['--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*', '--exclude=./lost+found', ...(epoch !== undefined ? reproducibleTarArgs(epoch) : [])]);
  }
  const status = await vm.exec(`cat ${quote(`${tree}/var/lib/dpkg/status`)} 2>/dev/null || true`);
  ctx.dpkgStatus = status.stdout;
  // what elements leave in TMP_IMAGE_DIR: NAME.d/ (dib-manifests...) and, from baremetal,
  // NAME.vmlinuz / NAME.initrd, which DIB puts next to the image
  const name = basename(ctx.base);
  const dotD = `${ctx.base}.d`;
  await mkdir(dotD, { recursive: true });
  if ((await vm.exec(`test -d ${quote(`${p.imageDir}/${name}.d`)}`)).exitCode === 0) await vm.getTree(`${p.imageDir}/${name}.d`, dotD);
  const ls = await vm.exec(`cd ${p.imageDir} && ls -1`);
  // ramdisk mode's NAME.kernel / NAME.initramfs (DIB's ramdisk-base names) go into NAME.d/
  const ramdisk = [`${name}.kernel`, `${name}.initramfs`];
  const kernels = ls.stdout.split('\n').filter((l) => l === `${name}.vmlinuz` || l === `${name}.initrd` || (ctx.o.ramdisk && ramdisk.includes(l)));
  if (kernels.length) {
    const dir = join(ctx.work, 'kernel');
    await vm.exec(`mkdir -p /run/kiln/kernel && cd ${p.imageDir} && cp ${kernels.map(quote).join(' ')} /run/kiln/kernel/`);
    await vm.getTree('/run/kiln/kernel', await mkdir(dir, { recursive: true }).then(() => dir));
    for (const k of kernels) await rename(join(dir, k), ramdisk.includes(k) ? join(dotD, k) : `${dirname(ctx.base)}/${k}`);
  }
  if (ctx.o.ramdisk) {
    const missing = ramdisk.filter((f) => !kernels.includes(f));
    if (missing.length) throw new KilnError(`ramdisk mode: the ${ctx.o.ramdiskElement} element left no ${missing.join(' or ')} in the output directory (TMP_IMAGE_DIR or the working directory of cleanup.d)`, { hint: `check that ${ctx.o.ramdiskElement} builds a ramdisk (and that the tree has a kernel)` });
  }
}

async function writeOutputs(ctx: Ctx, targetFile: string, imageBytes: number, outputs: string[]): Promise<void> {
  await truncate(targetFile, imageBytes);
  const dotD = `${ctx.base}.d`;
  await mkdir(dotD, { recursive: true });
  await writeFile(join(dotD, 'dib_environment'), ctx.redact(Object.entries(guestEnvironment(ctx.settings, phaseTable.install)).filter(([k]) => !k.startsWith('BASH_FUNC_')).map(([k, v]) => `${k}=${quote(v)}\n`).join('')));
  await writeFile(join(dotD, 'dib_arguments'), ctx.redact(ctx.o.elements.join(' ') + '\n'));
  await writeFile(join(dotD, 'kiln-manifest.json'), renderManifest(buildManifest(ctx)));
  outputs.push(dotD);
  if (ctx.o.ramdisk) return; // the kernel and initramfs are in NAME.d; no disk image
  for (const f of ctx.o.formats) {
    const format = getFormat(f);
    const support = await format.supported();
    if (!support.ok) throw new UsageError(`cannot write ${f} output: ${support.why}`);
    const dest = outputFileName(ctx.base, format);
    const input = format.needs === 'disk' ? targetFile : join(ctx.work, 'tree.tar');
    ctx.log.info(`writing ${dest}`);
    outputs.push(dest);
    await format.write(input, dest, { compress: ctx.o.compress, qemuImgOptions: ctx.o.qemuImgOptions, sourceDateEpoch: ctx.o.sourceDateEpoch, seed: ctx.seed, dockerTarget: ctx.o.dockerTarget, imageName: basename(ctx.base), arch: ctx.o.arch });
    if (ctx.o.checksum) outputs.push(...(await writeChecksums(dest)).files);
  }
}

function buildManifest(ctx: Ctx): BuildManifest {
  const a = ctx.appliance!;
  const reproducible = ctx.o.seed !== undefined || ctx.o.sourceDateEpoch !== undefined;
  return {
    kiln: kilnVersion(),
    appliance: { key: a.key, kernel: a.kernelVersion, suite: a.suite },
    elements: ctx.resolution.elements.map((e) => ({ name: e.name, sha256: elementDigest(e.path) })),
    sourceDateEpoch: ctx.o.sourceDateEpoch ?? null,
    seed: reproducible ? ctx.seed : null,
    formats: ctx.o.formats,
    packages: installedPackages(ctx.dpkgStatus ?? ''),
  };
}

/** break=before-PHASE|after-PHASE|after-error: a shell in the appliance when there is a terminal. */
async function breakpoint(ctx: Ctx, vm: ApplianceVm, point: string, chroot: boolean): Promise<void> {
  if (!ctx.o.breaks.has(point)) return;
  if (!process.stdin.isTTY) {
    ctx.log.warn(`break=${point}: no terminal to open a shell on; continuing`);
    return;
  }
  ctx.log.info(`break=${point}: shell in the appliance${chroot ? ' (chroot of the target)' : ''}; exit to continue`);
  process.stdin.setRawMode(true);
  try {
    const cmd = chroot ? `chroot ${guestPaths.mountPath} /bin/bash -l` : `cd ${guestPaths.buildDir} && exec bash -l`;
    await vm.channel!.interactive(cmd, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, { term: process.env.TERM ?? 'xterm', rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 });
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}
