// The appliance's directory contract (docs/element-contract.md): where a build's pieces live
// in the guest. Every guest script and the element environment name these, never a literal.
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
  /** Where commands stage files for the host to fetch (kernels, get-kernel's output). */
  outbox: '/run/kiln/out',
} as const;

/** The guest directory that holds the sudo pass-through; first on PATH outside the chroot. */
export const GUEST_SHIM_DIR = '/kiln/bin';

/** PATH inside the chroot: the hooks' bin/ first, as DIB's run_d_in_target sets it. */
export const CHROOT_PATH = '/tmp/in_target.d/bin:$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
