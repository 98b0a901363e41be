// Debian behind the distro interface: the archive the user's variables name, the host-native
// package step (resolve and download on the host, a local repository for the guest), and
// pointing a debootstrap element that is not kiln's at that repository.
import { buildLocalRepo, type LocalRepo } from '../apt/local-repo.js';
import { DEBIAN_ARCHIVE, type Archive } from '../apt/sources.js';
import { isBuiltinElement, type ElementRef } from '../elements/index.js';
import { guestPaths } from '../guest/paths.js';
import type { DistroBuild } from './types.js';
import { debianPackageSet } from './debian-packages.js';
import { seedAptArchives, upstreamRepoDefaults } from './debian-upstream.js';

/** The release a Debian build gets when neither the user nor the elements name one: today's stable. */
export const DEBIAN_DEFAULT_RELEASE = 'trixie';

/** What debootstrap installs besides the base system unless DIB_DEBOOTSTRAP_INCLUDE says otherwise. */
const DEFAULT_INCLUDE = 'systemd-sysv,ca-certificates';

export interface DebianBuildInput {
  elements: readonly ElementRef[];
  /** The user's variables (--envvar): the mirror, release and keyring come from them. */
  user: Readonly<Record<string, string>>;
  /** The DIB_RELEASE the elements' environment.d settles on when the user gives none (DIB's debian-minimal: stable). */
  elementRelease?: string;
  arch: string;
  offline: boolean;
  extraPackages: readonly string[];
}

/** The mirror, release and components the user's variables name (the local repository's source); the release the elements ask for unless the user names one. */
export function debianArchive(u: Readonly<Record<string, string>>, elementRelease?: string): Archive {
  return {
    mirror: u.DIB_DISTRIBUTION_MIRROR ?? DEBIAN_ARCHIVE.mirror,
    securityMirror: u.DIB_DEBIAN_SECURITY_MIRROR ?? DEBIAN_ARCHIVE.securityMirror,
    suite: u.DIB_RELEASE || elementRelease || DEBIAN_DEFAULT_RELEASE,
    components: (u.DIB_DEBIAN_COMPONENTS ?? 'main').split(','),
    keyring: u.DIB_APT_KEYRING ?? u.DIB_DEBIAN_KEYRING ?? DEBIAN_ARCHIVE.keyring,
  };
}

/** A Debian build (debian-minimal with a debootstrap element), or undefined for anything else. */
export function debianBuild(input: DebianBuildInput): DistroBuild | undefined {
  const names = new Set(input.elements.map((e) => e.name));
  const debootstrap = input.elements.find((e) => e.name === 'debootstrap');
  if (!debootstrap || !names.has('debian-minimal')) return undefined;
  const archive = debianArchive(input.user, input.elementRelease);
  // kiln's debootstrap element reads KILN_LOCAL_REPO; another one (DIB's) is pointed at the
  // repository through the variables it already honours
  const upstream = !isBuiltinElement(debootstrap);
  return {
    describe: `Debian ${archive.suite}`,
    tools: [
      { tool: 'apt-get', debianPackage: 'apt', purpose: 'resolve and download the packages of a Debian build on the host' },
      { tool: 'dpkg-deb', debianPackage: 'dpkg', purpose: 'read the downloaded packages' },
      { tool: 'xz', debianPackage: 'xz-utils', purpose: "unpack the downloaded packages' data.tar.xz" },
      { tool: 'mksquashfs', debianPackage: 'squashfs-tools', purpose: 'write the local package repository image' },
    ],
    archive,
    prefetch: async ({ cache, work, logger }) => {
      const wanted = debianPackageSet(input.elements, { arch: input.arch, distro: { distro: 'debian', family: 'debian', release: archive.suite }, isBuiltin: (e) => isBuiltinElement(e) });
      const include = (input.user.DIB_DEBOOTSTRAP_INCLUDE ?? DEFAULT_INCLUDE).split(',');
      const repo = await buildLocalRepo({ ...archive, arch: input.arch, packages: [...include, ...wanted, ...input.extraPackages], offline: input.offline }, { cache, work, logger });
      logger.info(`local repository: ${repo.packages} packages, ${(repo.bytes / 1e6).toFixed(0)} MB, prepared on the host`);
      if (upstream) {
        const vars = Object.keys(upstreamRepoDefaults(input.user, archive));
        logger.info(vars.length ? `debootstrap element ${debootstrap.path}: pointed at kiln's local repository (${vars.join(', ')})` : `DIB_DEBIAN_DISTRIBUTION_MIRROR is set: debootstrap uses it, not kiln's local repository`);
      }
      return repo;
    },
    environment: (repo: LocalRepo | undefined) => ({
      ...(repo ? { KILN_LOCAL_REPO: guestPaths.repo, ...(repo.listsDigest ? { KILN_HOST_APT_LISTS: repo.listsDigest } : {}) } : {}),
      ...(upstream ? upstreamRepoDefaults(input.user, archive) : {}),
    }),
    beforePreInstall: (mountPath) => (upstream ? seedAptArchives(mountPath) : undefined),
  };
}
