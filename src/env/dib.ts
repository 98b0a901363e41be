// The variables kiln defines for elements: DIB's contract (docs/element-contract.md).
// Pure: a function of the build's settings and the phase, tested as data.
import { guestPaths, type PhaseSpec } from '../phases/table.js';

export interface DibSettings {
  imageName: string;
  arch: string;
  imageElement: string;
  imageElementYaml: string;
  elementsPath: string;
  offline: boolean;
  /** Exported as SOURCE_DATE_EPOCH: mkinitramfs, dpkg and shadow honour it. */
  sourceDateEpoch?: number;
  debugTrace: number;
  installType: string;
  /** DIB_ROOT_LABEL, DIB_ROOT_FSTYPE, DIB_MOUNTPOINTS (and later IMAGE_BLOCK_DEVICE...) */
  blockDevice: Record<string, string>;
  user: Record<string, string>;
}

/** The environment of a guest phase script. */
export function guestEnvironment(s: DibSettings, phase: PhaseSpec): Record<string, string> {
  const mount = guestPaths.mountPath;
  const env: Record<string, string> = {
    ...common(s),
    TMP_BUILD_DIR: guestPaths.buildDir,
    TMP_MOUNT_PATH: mount,
    TMP_HOOKS_PATH: guestPaths.hooksPath,
    TMP_IMAGE_DIR: guestPaths.imageDir,
    DIB_IMAGE_CACHE: guestPaths.cache,
    _LIB: guestPaths.lib,
    HOME: '/root',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  if (!phase.chroot) env.TARGET_ROOT = mount;
  // inside the chroot the hooks are at /tmp/in_target.d (DIB leaks the outside path there)
  else env.TMP_HOOKS_PATH = guestPaths.inTarget;
  return { ...env, ...s.user };
}

/** The environment of extra-data.d on the host, with the host's paths. */
export function hostEnvironment(
  s: DibSettings,
  paths: { hooks: string; targetRoot: string; buildDir: string; lib: string; imageCache: string; path: string; home: string },
): Record<string, string> {
  return {
    ...common(s),
    TMP_BUILD_DIR: paths.buildDir,
    TMP_MOUNT_PATH: paths.targetRoot,
    TARGET_ROOT: paths.targetRoot,
    TMP_HOOKS_PATH: paths.hooks,
    TMP_IMAGE_DIR: paths.buildDir,
    DIB_IMAGE_CACHE: paths.imageCache,
    _LIB: paths.lib,
    HOME: paths.home,
    PATH: paths.path,
    ...s.user,
  };
}

function common(s: DibSettings): Record<string, string> {
  const env: Record<string, string> = {
    ARCH: s.arch,
    IMAGE_NAME: s.imageName,
    IMAGE_ELEMENT: s.imageElement,
    IMAGE_ELEMENT_YAML: s.imageElementYaml,
    ELEMENTS_PATH: s.elementsPath,
    DIB_DEBUG_TRACE: String(s.debugTrace),
    DIB_DEFAULT_INSTALLTYPE: s.installType,
    DIB_PYTHON_EXEC: 'python3',
    DIB_NO_TMPFS: '1',
    ...s.blockDevice,
  };
  if (s.offline) env.DIB_OFFLINE = '1';
  if (s.sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = String(s.sourceDateEpoch);
  return env;
}
