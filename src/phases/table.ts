// DIB's phases in build order: where each runs, and whether in a chroot of the target.
import type { Phase } from '../elements/index.js';

export interface PhaseSpec {
  name: Phase;
  /** 'host': as the user, on the host (extra-data.d only); else in the appliance. */
  where: 'host' | 'guest';
  chroot: boolean;
  /** Which tree TARGET_ROOT names: the build tree, or the final filesystems once mounted. */
  target: 'build' | 'image';
}

export const phaseTable: Record<Phase, PhaseSpec> = {
  root: { name: 'root', where: 'guest', chroot: false, target: 'build' },
  'extra-data': { name: 'extra-data', where: 'host', chroot: false, target: 'build' },
  'pre-install': { name: 'pre-install', where: 'guest', chroot: true, target: 'build' },
  install: { name: 'install', where: 'guest', chroot: true, target: 'build' },
  'post-install': { name: 'post-install', where: 'guest', chroot: true, target: 'build' },
  'post-root': { name: 'post-root', where: 'guest', chroot: false, target: 'build' },
  'block-device': { name: 'block-device', where: 'guest', chroot: false, target: 'build' },
  'pre-finalise': { name: 'pre-finalise', where: 'guest', chroot: false, target: 'image' },
  finalise: { name: 'finalise', where: 'guest', chroot: true, target: 'image' },
  cleanup: { name: 'cleanup', where: 'guest', chroot: false, target: 'image' },
};

/** Guest paths (docs/element-contract.md). */
export const guestPaths = {
  buildDir: '/kiln/build',
  mountPath: '/kiln/build/mnt',
  builtPath: '/kiln/build/built',
  hooksPath: '/kiln/build/hooks',
  imageDir: '/kiln/build/image',
  lib: '/kiln/lib',
  elements: '/kiln/elements',
  cache: '/kiln/cache',
  repo: '/kiln/repo',
  inTarget: '/tmp/in_target.d',
} as const;

/** `break=` points: before-PHASE, after-PHASE, after-error. */
export function parseBreak(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}
