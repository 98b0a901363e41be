// The variables kiln defines for elements: DIB's contract (docs/element-contract.md).
// Pure: a function of the build's settings and the phase, tested as data.
import { GUEST_SHIM_DIR, guestPaths } from '../guest/paths.js';
import { doubleQuote } from '../quote.js';

export interface DibSettings {
  imageName: string;
  arch: string;
  imageElement: string;
  /** Host paths (extra-data.d runs on the host). */
  imageElementYaml: string;
  elementsPath: string;
  /** get_image_element_array's "[name]=path ..." on the host. */
  imageElementArray?: string;
  /** The same in the guest, where the elements are copied (stageElements): guest phases see these. */
  guest?: { imageElementYaml: string; elementsPath: string; imageElementArray?: string };
  offline: boolean;
  /** Exported as SOURCE_DATE_EPOCH: mkinitramfs, dpkg and shadow honour it. */
  sourceDateEpoch?: number;
  debugTrace: number;
  installType: string;
  /** The user's variables (--envvar): what the user gave, nothing added. */
  user: Readonly<Record<string, string>>;
  /** kiln's own variables for this build (the distro's local repository...): above the user's. */
  kiln: Readonly<Record<string, string>>;
  /** The element arguments (DIB_ARGS, and the manifests element's dib_arguments). */
  args?: string;
  /** --checksum or DIB_CHECKSUM asked for checksums: DIB_CHECKSUM=1 (a user's own value wins). */
  checksum?: boolean;
  /** Names whose values stay out of DIB_ENV (it is written into the image by DIB's manifests element). */
  secrets?: readonly string[];
}

/**
 * The environment of a guest phase script. `blockDevice`: DIB_ROOT_LABEL, DIB_ROOT_FSTYPE,
 * DIB_MOUNTPOINTS..., and IMAGE_BLOCK_DEVICE and the rest once the disk exists.
 */
export function guestEnvironment(s: DibSettings, phase: { chroot: boolean }, blockDevice: Readonly<Record<string, string>>): Record<string, string> {
  const mount = guestPaths.mountPath;
  const env: Record<string, string> = {
    ...common(s, blockDevice),
    TMP_BUILD_DIR: guestPaths.buildDir,
    TMP_MOUNT_PATH: mount,
    TMP_HOOKS_PATH: guestPaths.hooksPath,
    TMP_IMAGE_DIR: guestPaths.imageDir,
    DIB_IMAGE_CACHE: guestPaths.cache,
    // DIB's directory for flock files (ubuntu and yum-minimal root.d lock their downloads):
    // one build per helper drive, so the scratch drive's build dir serves and always exists
    DIB_LOCKFILES: guestPaths.buildDir,
    _LIB: guestPaths.lib,
    ...(s.guest ? { IMAGE_ELEMENT_YAML: s.guest.imageElementYaml, ELEMENTS_PATH: s.guest.elementsPath } : {}),
    ...imageElementFunction(s.guest?.imageElementArray ?? s.imageElementArray),
    HOME: '/root',
    PATH: `${GUEST_SHIM_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  };
  if (!phase.chroot) env.TARGET_ROOT = mount;
  // inside the chroot the hooks are at /tmp/in_target.d (DIB leaks the outside path there)
  else env.TMP_HOOKS_PATH = guestPaths.inTarget;
  // the caller's DIB_IMAGE_CACHE / DIB_LOCKFILES (carried by --dib-env) are host paths: in the
  // appliance the helper drive and the build dir are what those names mean
  return { ...env, ...s.user, ...s.kiln, DIB_IMAGE_CACHE: guestPaths.cache, DIB_LOCKFILES: guestPaths.buildDir };
}

/** The environment of extra-data.d on the host, with the host's paths. */
export function hostEnvironment(
  s: DibSettings,
  paths: { hooks: string; targetRoot: string; buildDir: string; lib: string; imageCache: string; path: string; home: string },
  blockDevice: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...common(s, blockDevice),
    TMP_BUILD_DIR: paths.buildDir,
    TMP_MOUNT_PATH: paths.targetRoot,
    TARGET_ROOT: paths.targetRoot,
    TMP_HOOKS_PATH: paths.hooks,
    TMP_IMAGE_DIR: paths.buildDir,
    DIB_IMAGE_CACHE: paths.imageCache,
    DIB_LOCKFILES: paths.buildDir,
    _LIB: paths.lib,
    HOME: paths.home,
    PATH: paths.path,
    ...imageElementFunction(s.imageElementArray),
    ...s.user,
    ...s.kiln,
  };
}

function common(s: DibSettings, blockDevice: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {
    ARCH: s.arch,
    IMAGE_NAME: s.imageName,
    IMAGE_ELEMENT: s.imageElement,
    IMAGE_ELEMENT_YAML: s.imageElementYaml,
    ELEMENTS_PATH: s.elementsPath,
    DIB_DEBUG_TRACE: String(s.debugTrace),
    DIB_DEFAULT_INSTALLTYPE: s.installType,
    DIB_PYTHON_EXEC: 'python3',
    // DIB's disk-image-create: every phase runs in the C locale, whatever the user's is
    LC_ALL: 'C',
    DIB_NO_TMPFS: '1',
    ...blockDevice,
  };
  // DIB exports DIB_OFFLINE always (empty when off); its elements test it under set -u
  env.DIB_OFFLINE = s.offline ? '1' : '';
  env.DIB_ARGS = s.args ?? '';
  env.DIB_CHECKSUM = s.checksum ? '1' : '0';
  env.DIB_ENV = dibEnv(s.user, s.secrets ?? []);
  if (s.sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = String(s.sourceDateEpoch);
  return env;
}

/** DIB's DIB_ENV: `export | grep ' DIB_.*='` of the variables elements get, in bash's declare -x form. */
export function dibEnv(user: Readonly<Record<string, string>>, secrets: readonly string[]): string {
  return Object.keys(user)
    .filter((k) => k.startsWith('DIB_') && !secrets.includes(k))
    .sort()
    .map((k) => `declare -x ${k}=${doubleQuote(user[k]!)}`)
    .join('\n');
}

/** The name under which bash exports a function through the environment. */
export const exportedFunction = (name: string) => `BASH_FUNC_${name}%%`;

/**
 * DIB's exported get_image_element_array (element-info --env): pkg-map's extra-data.d and
 * others eval it. Carried as bash carries exported functions, BASH_FUNC_name%%.
 */
function imageElementFunction(array: string | undefined): Record<string, string> {
  if (array === undefined) return {};
  return { [exportedFunction('get_image_element_array')]: `() {  echo ${doubleQuote(array)}\n}` };
}
