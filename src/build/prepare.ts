// The first step: the elements of a build found, resolved, ordered and staged into one hooks
// tree (src/elements), and the block-device layout chosen. Nothing runs yet.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blockDeviceConfig, collectScripts, IGNORED_BECAUSE, elementPathFromOptions, isBuiltinElement, resolveElements, stageElements, stageHooks, type Resolution, type ScriptPlan, type StagedHooks } from '../elements/index.js';
import { INITRAMFS_ELEMENT, needsInitramfsDeferral } from '../elements/kiln-additions.js';
import { writePackageInstalls } from '../elements/package-installs.js';
import { configFromEnv, defaultConfig, planFromYaml, type Plan } from '../blockdev/index.js';
import type { Logger } from '../log.js';
import type { BuildOptions } from '../options.js';

export interface PreparedElements {
  resolution: Resolution;
  scripts: ScriptPlan;
  staged: StagedHooks;
  /** The host copy of every element (ELEMENTS_PATH of extra-data.d, and put into the guest). */
  elementsCopy: string;
  /** The block-device YAML this build lays its disk out with. */
  blockConfig: string;
}

export async function prepareElements(o: BuildOptions, log: Logger, work: string, user: Readonly<Record<string, string>>): Promise<PreparedElements> {
  const elementPaths = elementPathFromOptions(o.elementPaths, process.env);
  // ramdisk mode: the ramdisk element comes first, as ramdisk-image-create puts it
  const names = o.ramdisk ? [o.ramdiskElement, ...o.elements.filter((e) => e !== o.ramdiskElement)] : o.elements;
  const resolve = (extra: string[]) => resolveElements({ names: [...names, ...extra], elementPaths, skipBase: o.skipBase, excludeElements: o.excludeElements, arch: o.arch });
  let resolution = resolve([]);
  const foreignDpkg = needsInitramfsDeferral(resolution, o.excludeElements, (e) => isBuiltinElement(e));
  if (foreignDpkg) {
    log.info(`element dpkg is ${foreignDpkg}: adding kiln's ${INITRAMFS_ELEMENT} (each kernel's initramfs made once, after install.d; --exclude-element ${INITRAMFS_ELEMENT} leaves it to the packages)`);
    resolution = resolve([INITRAMFS_ELEMENT]);
  }
  const scripts = collectScripts(resolution.elements, { excludeScripts: o.excludeScripts });
  // DIB's dib-run-parts passes these by without a word; kiln says so: a warning for what was
  // surely meant to run (named NN-..., like every hook), a debug line for the data files that
  // elements keep beside their hooks (README.rst, foo.conf, a udev rule)
  for (const f of scripts.ignored) {
    const line = `element ${f.element}: ${f.hook} will not run: ${IGNORED_BECAUSE[f.reason]}`;
    if (/^\d/.test(f.hook.slice(f.hook.indexOf('/') + 1))) log.warn(line);
    else log.debug(line);
  }
  const staged = stageHooks(resolution, work, { excludeScripts: o.excludeScripts });
  const elementsCopy = stageElements(resolution.elements, join(work, 'elements'));
  // DIB's package-installs-squash, done here in TS: the target needs no python for it
  writePackageInstalls(staged.hooksPath, resolution.elements, { arch: o.arch });
  log.info(`elements: ${resolution.elements.map((e) => e.name).join(' ')}`);
  const inSet = new Set(resolution.elements.map((e) => e.name));
  for (const ov of resolution.overrides.filter((x) => inSet.has(x.name))) log.info(`element ${ov.name}: using ${ov.used}, which hides ${ov.shadowed}`);
  return { resolution, scripts, staged, elementsCopy, blockConfig: await chooseBlockConfig(resolution, user, o.arch) };
}

/** DIB_BLOCK_DEVICE_CONFIG, else an element's block-device-ARCH.yaml, else DIB's default (mbr for vm). */
async function chooseBlockConfig(resolution: Resolution, user: Readonly<Record<string, string>>, arch: string): Promise<string> {
  if (user.DIB_BLOCK_DEVICE_CONFIG) return configFromEnv(user.DIB_BLOCK_DEVICE_CONFIG);
  const fromElement = blockDeviceConfig(resolution.elements, arch);
  if (fromElement) return readFile(fromElement.source, 'utf8');
  return defaultConfig(resolution.elements.some((e) => e.name === 'vm') ? 'mbr' : 'none');
}

/** The disk layout for an image of `imageBytes` (before the tree is measured, any size: labels and types do not depend on it). */
export function planImage(o: BuildOptions, blockConfig: string, seed: string, imageBytes: number, user: Readonly<Record<string, string>>): Plan {
  return planFromYaml(blockConfig, { seed, imageSize: imageBytes, fsType: o.fsType, rootLabel: o.rootLabel, mkfsOptions: o.mkfsOptions, journalSizeMiB: o.journalSizeMiB, maxOnlineResize: o.maxOnlineResize, release: user.DIB_RELEASE, blockSize: user.DIB_BLOCK_SIZE });
}
