// Elements kiln adds to a build by itself, and when.
import type { Resolution } from './resolve.js';

export const INITRAMFS_ELEMENT = 'kiln-initramfs';

/**
 * kiln's dpkg element brings kiln-initramfs (update-initramfs once per build, cached); DIB's
 * dpkg element does not, and under emulation every kernel or hook package it installs would
 * make an initramfs of its own. The path of such a dpkg element when the build should get
 * kiln-initramfs added: it has none, and the user did not exclude it.
 */
export function needsInitramfsDeferral(r: Pick<Resolution, 'elements'>, excluded: readonly string[], isBuiltin: (e: { path: string }) => boolean): string | undefined {
  const dpkg = r.elements.find((e) => e.name === 'dpkg');
  if (!dpkg || isBuiltin(dpkg) || excluded.includes(INITRAMFS_ELEMENT) || r.elements.some((e) => e.name === INITRAMFS_ELEMENT)) return undefined;
  return dpkg.path;
}
