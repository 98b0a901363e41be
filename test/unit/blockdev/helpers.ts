import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dibOracles } from '../../support/dib-oracles.js';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(new URL('../../fixtures/blockdev/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(join(fixtureDir, name), 'utf8');
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/**
 * A file of DIB's source tree, read where it is at test time (never copied into kiln):
 * KILN_DIB_SOURCE (a checkout), else the git mirror of DIB's master, else the installed
 * diskimage_builder package. Undefined when none has it, and the test that needs it skips.
 */
export function dibFile(path: string): string | undefined {
  const checkout = process.env.KILN_DIB_SOURCE;
  if (checkout) {
    try {
      return readFileSync(join(checkout, path), 'utf8');
    } catch {
      return undefined;
    }
  }
  const git = process.env.KILN_DIB_GIT ?? '/work/.mirror/openstack+diskimage-builder/repo';
  const r = spawnSync('git', ['-C', git, 'show', `HEAD:${path}`], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout;
  // else the newest DIB package there is: sid's and trixie's unpacked (scripts/dib-oracles), bookworm's installed
  const oracles = [...dibOracles().oracles].sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }));
  for (const o of oracles) {
    try {
      return readFileSync(join(dirname(o.root), path), 'utf8');
    } catch {
      // not in this version: try the next
    }
  }
  return undefined;
}

/** One of DIB's block-device test configs (diskimage_builder/block_device/tests/config/NAME.yaml). */
export function dibTestConfig(name: string): string | undefined {
  return dibFile(`diskimage_builder/block_device/tests/config/${name}.yaml`);
}

/** An element's block-device-default.yaml from DIB. */
export function dibElementConfig(element: string): string | undefined {
  return dibFile(`diskimage_builder/elements/${element}/block-device-default.yaml`);
}
