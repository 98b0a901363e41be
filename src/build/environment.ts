// The element environment of one build, computed once: the user's variables (--envvar, as
// given) and kiln's own (the distro's local repository and the variables that point other
// elements at it) kept apart. Only the user's go into NAME.d/dib_environment; the block-device
// variables follow the disk as it is made (env/dib.ts, guestEnvironment's third argument).
import { basename } from 'node:path';
import { blockDeviceEnv, type Plan } from '../blockdev/index.js';
import { stagedElementEnv } from '../elements/index.js';
import type { DibSettings } from '../env/dib.js';
import { guestPaths } from '../guest/paths.js';
import type { BuildOptions } from '../options.js';
import type { PreparedElements } from './prepare.js';

export function buildSettings(a: {
  o: BuildOptions;
  base: string;
  prepared: PreparedElements;
  user: Readonly<Record<string, string>>;
  kiln: Readonly<Record<string, string>>;
}): DibSettings {
  const { o, prepared } = a;
  const guest = stagedElementEnv(prepared.resolution.elements, guestPaths.elements);
  return Object.freeze({
    imageName: basename(a.base),
    arch: o.arch,
    imageElement: prepared.staged.imageElement,
    imageElementYaml: prepared.staged.imageElementYaml,
    elementsPath: prepared.elementsCopy,
    imageElementArray: prepared.staged.imageElementArray,
    guest: { imageElementYaml: guest.IMAGE_ELEMENT_YAML, imageElementArray: guest.imageElementArray, elementsPath: guestPaths.elements },
    offline: o.offline,
    sourceDateEpoch: o.sourceDateEpoch,
    debugTrace: o.debug,
    installType: o.installType,
    user: Object.freeze({ ...a.user }),
    // DIB's ramdisk-defaults exports RAMDISK_ELEMENT; a user's own value stays
    kiln: Object.freeze({ ...(o.ramdisk && a.user.RAMDISK_ELEMENT === undefined ? { RAMDISK_ELEMENT: o.ramdiskElement } : {}), ...a.kiln }),
    args: o.elements.join(' '),
    secrets: o.secrets,
  });
}

/** The block-device variables before the disk exists: labels, types and mount points (DIB exports them to every phase). */
export function previewBlockDevice(plan: Plan): Record<string, string> {
  return blockDeviceEnv(plan);
}

/** NAME.d/dib_environment: the variables the user gave the elements, one NAME=value line each. */
export function renderDibEnvironment(user: Readonly<Record<string, string>>, quote: (v: string) => string): string {
  return Object.keys(user)
    .sort()
    .map((k) => `${k}=${quote(user[k]!)}\n`)
    .join('');
}
