// Pointing an unmodified DIB debootstrap element (and DIB's dpkg / debian-minimal around it)
// at kiln's local repository, through the variables those elements already honour:
//   DIB_DISTRIBUTION_MIRROR=file:///kiln/repo   debootstrap's mirror (root.d/08-debootstrap)
//   DIB_DEBOOTSTRAP_EXTRA_ARGS+=--no-check-gpg  the local index is unsigned; every .deb in it
//                                               was verified by apt on the host
//   DIB_APT_SOURCES_CONF                        the image's apt sources, on the real mirror:
//                                               debian-minimal would derive them from
//                                               DIB_DISTRIBUTION_MIRROR, i.e. the local repo
//   DIB_RELEASE                                 only the user's: the repository is made for
//                                               the release the elements ask for by themselves
// Each is a default: a variable the user set with --envvar stays as it is (except the two
// kiln must change to use the repository, which it extends or only sets when the user
// named no mirror of their own through DIB_DEBIAN_DISTRIBUTION_MIRROR, which would win in
// debian-minimal's environment.d anyway).
import { guestPaths } from '../guest/paths.js';
import { quote } from '../quote.js';
import { isRolling, type Archive } from '../apt/sources.js';


/** DIB's "name:deb line" format; release, -updates and -security, as kiln's debian-minimal writes them. */
export function aptSourcesConf(s: Omit<Archive, 'keyring'>): string {
  const c = s.components.join(' ');
  if (isRolling(s.suite)) return `default:deb ${s.mirror} ${s.suite} ${c}`;
  return [`default:deb ${s.mirror} ${s.suite} ${c}`, `updates:deb ${s.mirror} ${s.suite}-updates ${c}`, `security:deb ${s.securityMirror} ${s.suite}-security ${c}`].join('\n');
}

/** The variables to add to the user's for a build whose debootstrap element is not kiln's. */
export function upstreamRepoDefaults(user: Readonly<Record<string, string>>, real: Omit<Archive, 'keyring'>): Record<string, string> {
  if (user.DIB_DEBIAN_DISTRIBUTION_MIRROR) return {};
  const extra = [user.DIB_DEBOOTSTRAP_EXTRA_ARGS, '--no-check-gpg'].filter(Boolean).join(' ');
  return {
    DIB_APT_SOURCES_CONF: user.DIB_APT_SOURCES_CONF ?? aptSourcesConf(real),
    DIB_DISTRIBUTION_MIRROR: `file://${guestPaths.repo}`,
    DIB_DEBOOTSTRAP_EXTRA_ARGS: extra,
  };
}

/**
 * Before pre-install.d: the host's downloads into apt's archive directory of the target
 * (DIB's dpkg element bind-mounts its shared cache there in root.d, after debian-minimal's
 * root.d has run `apt-get clean` on it), so apt in the chroot finds them instead of
 * downloading under emulation. apt checks each against its own index before use.
 */
export function seedAptArchives(mountPath: string): string {
  const dest = quote(`${mountPath}/var/cache/apt/archives`);
  return `set -e\nmkdir -p ${dest}\ncp -n ${guestPaths.repo}/archives/*.deb ${dest}/ 2>/dev/null || true\n`;
}
