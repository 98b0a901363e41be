// `kiln appliance build`: Debian packages -> kernel + initramfs + read-only root, without root.
// Sequence: resolve+download (private apt) -> unpack -> maintainer files -> kernel modules ->
// initramfs -> squashfs root -> atomic rename into the content-addressed store.
import { mkdir, readFile, readdir, rename, rm, statfs, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostArch, type Arch } from '../arch.js';
import { ApplianceError, KilnError } from '../errors.js';
import type { Logger } from '../log.js';
import { run, WITHOUT_SOURCE_DATE_EPOCH } from '../host/run.js';
import { downloadEvents } from '../apt/download-events.js';
import { PrivateApt } from '../apt/private-apt.js';
import { archiveSources, DEBIAN_ARCHIVE, type Archive } from '../apt/sources.js';
import { privateDir } from '../cache/layout.js';
import { buildInitramfs } from './initramfs.js';
import { installKernel } from './kernel.js';
import { pvhKernel } from './pvh.js';
import { arm64Image } from './arm64-image.js';
import { applianceKey, loadRecipe, type Recipe } from './recipe.js';
import { writeMaintainerFiles } from './rootfs.js';
import { unpackDebs } from './unpack.js';
import { makeScratchDir, removeDeadScratchDirs } from '../host/scratch.js';
import { findAppliance, fileSize, openAppliance, openIfIntact, setRecipePointer, storeDir, type Appliance, type ApplianceManifest } from './store.js';

export interface ApplianceBuildOptions {
  logger: Logger;
  /** Debian architecture of the appliance (default amd64): its packages and the VM that runs it. */
  arch?: Arch;
  /** Re-resolve package versions even if this recipe was built before. */
  refresh?: boolean;
  mirror?: string;
  securityMirror?: string;
  suite?: string;
  keyring?: string;
  store?: string;
  recipeDir?: string;
}

/** The appliance's Debian: the release its packages come from, on Debian's archive. */
export const APPLIANCE_ARCHIVE: Archive = { ...DEBIAN_ARCHIVE, suite: 'bookworm' };

export async function buildAppliance(opts: ApplianceBuildOptions): Promise<{ appliance: Appliance; cached: boolean }> {
  const recipe = await loadRecipe(opts.recipeDir, opts.arch ?? 'amd64');
  const store = opts.store ?? storeDir();
  if (!opts.refresh) {
    const hit = await findAppliance(recipe.recipeHash, store);
    if (hit) return { appliance: hit, cached: true };
  }
  const src: Archive = { ...APPLIANCE_ARCHIVE, ...pick(opts) };
  if (!existsSync(src.keyring)) {
    throw new ApplianceError(`the Debian archive keyring ${src.keyring} is missing; kiln needs it to verify the appliance packages`, {
      hint: 'install it: apt-get install debian-archive-keyring (or pass --keyring FILE)',
    });
  }
  await privateDir(dirname(store))
    .then(() => mkdir(store, { recursive: true }))
    .catch((e: unknown) => {
      throw cacheError(store, e);
    });
  const stale = await removeDeadScratchDirs(store, '.build-');
  if (stale.length) opts.logger.info(`removed ${stale.length} scratch director${stale.length === 1 ? 'y' : 'ies'} of interrupted appliance builds`);
  await requireFreeSpace(store);
  const work = await makeScratchDir(store, '.build-');
  try {
    const appliance = await buildInto(work.path, store, recipe, src, opts.logger);
    return { appliance, cached: false };
  } catch (e) {
    throw cacheError(store, e);
  } finally {
    await work.remove();
  }
}

/** appliance/ files that go to /usr/lib/kiln in the appliance, with their modes. */
const kilnFiles = { init: 0o755, sshd_config: 0o644, execd: 0o755, readdrive: 0o755 } as const;

async function buildInto(work: string, store: string, recipe: Recipe, src: Archive, log: Logger): Promise<Appliance> {
  const apt = new PrivateApt(join(work, 'apt'), recipe.arch);
  await apt.init(archiveSources(src));
  log.info(`resolving ${recipe.packages.length} appliance packages (${recipe.arch}) from ${src.mirror} ${src.suite}`);
  await apt.update();
  const kernelPkg = (await apt.dependsOf(recipe.kernelPackage)).find((d) => d.startsWith('linux-image-')) ?? recipe.kernelPackage;
  const debs = await apt.downloadClosure(recipe.packages, downloadEvents(log, 'appliance packages'));
  const kernelDir = join(work, 'kernel-deb');
  await mkdir(kernelDir);
  await apt.downloadInto(kernelDir, [kernelPkg], `download the kernel package ${kernelPkg}`);
  const kernelFile = (await readdir(kernelDir)).find((f) => f.endsWith('.deb'));
  if (!kernelFile) throw new ApplianceError(`apt did not download the kernel package ${kernelPkg}`);
  const kernelDeb = join(kernelDir, kernelFile);
  const kernelInfo = { name: kernelPkg, ...parseVersion(kernelDeb) };
  const key = applianceKey(recipe, [...debs, kernelInfo]);
  const existing = await openIfIntact(join(store, key));
  if (existing) {
    await setRecipePointer(store, recipe.recipeHash, key);
    return existing;
  }

  log.info(`unpacking ${debs.length} packages`);
  const root = join(work, 'root');
  await unpackDebs(debs.map((d) => d.file), root);
  await writeMaintainerFiles(root);
  await mkdir(join(root, 'usr/lib/kiln'), { recursive: true });
  for (const [f, mode] of Object.entries(kilnFiles)) {
    await writeFile(join(root, 'usr/lib/kiln', f), recipe.files[f as keyof typeof kilnFiles]);
    await chmod(join(root, 'usr/lib/kiln', f), mode);
  }
  const kernel = await installKernel(kernelDeb, join(work, 'kernel'), root, recipe.modules);
  // the host's ldconfig reads only its own architecture's libraries (of an arm64 root it
  // writes an empty cache); without a cache the guest's ld.so searches its multiarch dirs
  if (recipe.arch === hostArch()) await run('ldconfig', ['-r', root], { what: 'write the appliance ld.so.cache (ldconfig -r)' });

  const out = join(work, 'out');
  await mkdir(out);
  const busybox = await readFile(join(root, 'usr/bin/busybox')).catch(() => {
    throw new ApplianceError('busybox-static is missing from the appliance packages', { hint: 'add busybox-static to appliance/packages' });
  });
  const initrd = await buildInitramfs({ busybox, init: recipe.files['initramfs-init'], kernelVersion: kernel.version, bootModules: kernel.bootModules, modulesDir: kernel.modulesDir });
  await writeFile(join(out, 'initrd'), initrd);
  const vmlinuz = await readFile(kernel.vmlinuz);
  const bootKernel = bootableKernel(recipe.arch, vmlinuz, kernel.vmlinuz);
  await writeFile(join(out, 'kernel'), bootKernel.data);
  log.info('writing the appliance root image (squashfs)');
  // -all-root: the tree was unpacked by a non-root user, but in the appliance everything is root's
  await run('mksquashfs', [root, join(out, 'root.sqfs'), '-all-root', '-noappend', '-no-progress', '-quiet', '-comp', 'lz4', '-mkfs-time', '0', '-all-time', '0'], {
    what: 'write the appliance root image (mksquashfs)',
    env: WITHOUT_SOURCE_DATE_EPOCH,
  });
  const manifest: ApplianceManifest = {
    key,
    recipeHash: recipe.recipeHash,
    arch: recipe.arch,
    kernelVersion: kernel.version,
    kernelPackage: `${kernelInfo.name} ${kernelInfo.version}`,
    kernelBoot: bootKernel.boot,
    packages: debs.map(({ name, version, arch }) => ({ name, version, arch })),
    suite: src.suite,
    mirror: src.mirror,
    builtAt: new Date().toISOString(),
    sizes: { kernel: await fileSize(join(out, 'kernel')), initrd: initrd.length, root: await fileSize(join(out, 'root.sqfs')) },
  };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const dest = join(store, key);
  // a damaged entry of the same key (files deleted or unreadable) is replaced, not kept
  if (existsSync(dest) && !(await openIfIntact(dest))) await rm(dest, { recursive: true, force: true });
  try {
    await rename(out, dest);
  } catch (e) {
    // another build finished the same key first: theirs is as good as ours
    if (!(await openIfIntact(dest))) throw e;
  }
  await setRecipePointer(store, recipe.recipeHash, key);
  return (await openAppliance(dest))!;
}

/** What the store keeps as 'kernel': what QEMU starts fastest for this architecture. */
function bootableKernel(arch: Arch, vmlinuz: Buffer, name: string): { data: Buffer; boot: ApplianceManifest['kernelBoot'] } {
  if (arch === 'arm64') return { data: arm64Image(vmlinuz, name), boot: 'image' };
  const pvh = pvhKernel(vmlinuz);
  return pvh ? { data: pvh, boot: 'pvh' } : { data: vmlinuz, boot: 'bzimage' };
}

function pick(o: ApplianceBuildOptions): Partial<Archive> {
  const r: Partial<Archive> = {};
  if (o.mirror) r.mirror = o.mirror;
  if (o.securityMirror) r.securityMirror = o.securityMirror;
  if (o.suite) r.suite = o.suite;
  if (o.keyring) r.keyring = o.keyring;
  return r;
}

function parseVersion(file: string): { version: string; arch: string } {
  const m = /_([^_]+)_([^_]+)\.deb$/.exec(file);
  return { version: decodeURIComponent(m?.[1] ?? '?'), arch: m?.[2] ?? '?' };
}

/** What a build needs free in the store: packages, the unpacked tree and the images at once. */
export const BUILD_SPACE_BYTES = 600e6;

/** Checked up front: apt-get update on a full disk hangs instead of failing. */
async function requireFreeSpace(store: string): Promise<void> {
  const fs = await statfs(store);
  const free = fs.bavail * fs.bsize;
  if (free < BUILD_SPACE_BYTES) {
    throw new ApplianceError(`the cache directory ${store} is full: ${(free / 1e6).toFixed(0)} MB free, and building the appliance needs about ${BUILD_SPACE_BYTES / 1e6} MB`, {
      hint: 'free space there, or point kiln elsewhere with XDG_CACHE_HOME or KILN_CACHE_DIR',
    });
  }
}

/** A full or unwritable cache directory is the user's to fix: say where and what to do. */
function cacheError(store: string, e: unknown): unknown {
  const code = (e as { code?: string }).code;
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'ENOSPC' || /No space left on device/.test(text)) {
    return new ApplianceError(`the cache directory ${store} is full: the appliance needs about ${BUILD_SPACE_BYTES / 1e6} MB while it is built`, {
      hint: 'free space there, or point kiln elsewhere with XDG_CACHE_HOME or KILN_CACHE_DIR',
      cause: e,
    });
  }
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new ApplianceError(`cannot make the cache directory ${store}: a file is in the way (${code})`, { hint: 'set XDG_CACHE_HOME or KILN_CACHE_DIR to a directory (it is made if missing)', cause: e });
  }
  if (code === 'EACCES' || code === 'EROFS') {
    return new ApplianceError(`cannot write the cache directory ${store} (${code})`, { hint: 'set XDG_CACHE_HOME or KILN_CACHE_DIR to a writable directory', cause: e });
  }
  return e instanceof KilnError ? e : new ApplianceError(`appliance build failed: ${text}`, { cause: e });
}
