// DIB's elements call sudo for everything outside the chroot (DIB runs as a user). On the
// host (extra-data.d) kiln runs them as the user; in the appliance they already run as
// root, and the appliance's sudo has no PAM set up. Both get this pass-through instead:
// sudo's options are dropped, the command runs as it is.
import { GUEST_SHIM_DIR } from './paths.js';

export const SUDO_SHIM =
  '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -E|-n|-H|-S|--preserve-env*) shift ;; -u|-g) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n';


export function installGuestSudoShim(): string {
  return `set -e\nmkdir -p ${GUEST_SHIM_DIR}\ncat > ${GUEST_SHIM_DIR}/sudo <<'KILN_SUDO'\n${SUDO_SHIM}KILN_SUDO\nchmod 755 ${GUEST_SHIM_DIR}/sudo\n`;
}
