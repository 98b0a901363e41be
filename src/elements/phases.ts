// DIB's phases in build order: where each runs, and whether in a chroot of the target.
import type { Phase } from './scripts.js';
import { UsageError } from '../errors.js';

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

/** DIB's break points: a shell before or after any phase, or after a failing script. */
export const BREAK_POINTS: readonly string[] = [
  ...Object.keys(phaseTable).flatMap((p) => [`before-${p}`, `after-${p}`]),
  'after-error',
];

/** `--break` / `break=`: before-PHASE, after-PHASE, after-error, comma separated; anything else is refused. */
export function parseBreak(value: string | undefined, option = '--break'): Set<string> {
  const points = new Set((value ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const bad = [...points].filter((p) => !BREAK_POINTS.includes(p));
  if (bad.length) {
    throw new UsageError(`${option === 'break' ? `break=${bad.join(',')} (in the environment)` : `${option} ${bad.join(',')}`}: not a break point`, { hint: `break points: before-PHASE and after-PHASE for PHASE in ${Object.keys(phaseTable).join(', ')}; after-error` });
  }
  return points;
}
