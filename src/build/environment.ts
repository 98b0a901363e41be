// The element environment of one build, computed once: the user's variables (--envvar, as
// given) and kiln's own (the distro's local repository and the variables that point other
// elements at it) kept apart. Only the user's go into NAME.d/dib_environment; the block-device
// variables follow the disk as it is made (env/dib.ts, guestEnvironment's third argument).
import { basename, join } from 'node:path';
import { blockDeviceEnv, type Plan } from '../blockdev/index.js';
import { stagedElementEnv } from '../elements/index.js';
import type { DibSettings } from '../env/dib.js';
import { guestPaths } from '../guest/paths.js';
import { run } from '../host/run.js';
import { quote } from '../quote.js';
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
    checksum: o.checksums.length > 0,
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

/**
 * What the elements' environment.d files settle `name` to, before kiln adds anything: sourced
 * on the host in a clean bash with `env`, what extra-data.d sees (DIB's block-device
 * environment.d, for one, stops without ARCH). The host package step asks this for DIB_RELEASE,
 * so the local repository is made for the release the elements will ask for (DIB's
 * debian-minimal: stable) rather than one kiln picks. Empty: not set.
 */
export async function elementVariable(prepared: PreparedElements, env: Readonly<Record<string, string>>, name: string, work: string): Promise<string | undefined> {
  const files = prepared.scripts.environment.map((s) => join(prepared.staged.hooksPath, s.hook));
  const script = `${files.map((f) => `source ${quote(f)} >/dev/null 2>&1`).join('\n')}\nprintf '%s' "\${${name}:-}"\n`;
  try {
    const r = await run('bash', ['-c', script], { what: `read ${name} from the elements' environment.d`, env: { ...env }, extendEnv: false, cwd: work, stdin: 'ignore' });
    return r.stdout || undefined;
  } catch {
    // an environment.d that does not source outside the build: the user's value, else the default
    return env[name];
  }
}
