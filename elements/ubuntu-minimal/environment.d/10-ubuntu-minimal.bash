# ubuntu-minimal: Ubuntu from debootstrap, with DIB's variable names (ubuntu-common's and
# ubuntu-minimal's). Sources: the release plus DIB_UBUNTU_MIRROR_DISTS pockets, all on
# the one mirror (Ubuntu's -security pocket lives there too).
export DISTRO_NAME=ubuntu
export DIB_RELEASE=${DIB_RELEASE:-noble}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/ubuntu
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main,universe}
case ${ARCH:-amd64} in
    amd64 | i386) _kiln_mirror=http://archive.ubuntu.com/ubuntu ;;
    *) _kiln_mirror=http://ports.ubuntu.com/ubuntu-ports ;;
esac
export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-$_kiln_mirror}
unset _kiln_mirror
export DIB_UBUNTU_MIRROR_DISTS=${DIB_UBUNTU_MIRROR_DISTS:-updates,security,backports}
# debootstrap checks the Release signature against this keyring (it must exist in the
# appliance, which ships only Debian's keyring: see README).
export DIB_APT_KEYRING=${DIB_APT_KEYRING:-/usr/share/keyrings/ubuntu-archive-keyring.gpg}
export DIB_UBUNTU_KERNEL=${DIB_UBUNTU_KERNEL:-linux-image-generic}

_kiln_components=${DIB_DEBIAN_COMPONENTS//,/ }
_kiln_sources="default:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE $_kiln_components"
for _kiln_dist in ${DIB_UBUNTU_MIRROR_DISTS//,/ }; do
    _kiln_sources+=$'\n'"$_kiln_dist:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE-$_kiln_dist $_kiln_components"
done
export DIB_APT_SOURCES_CONF=${DIB_APT_SOURCES_CONF:-$_kiln_sources}
unset _kiln_components _kiln_sources _kiln_dist
export DIB_NETWORK_INTERFACE_NAMES=${DIB_NETWORK_INTERFACE_NAMES:-eth0 eth1}
