# debian-minimal: Debian from debootstrap. DIB's variable names and defaults, except the
# release and the security archive. The release is trixie, the codename of what today's DIB
# gets by default (its "stable"), named so that kiln's local repository and debootstrap
# cache are keyed the same on the host and here (kiln's host side has the same default:
# keep the two in step). The security archive is deb.debian.org/debian-security with
# "<release>-security" from bullseye on, as DIB >= 3.40 writes it for every release (3.37
# only for bookworm, bullseye, stable and testing, so trixie got "trixie/updates"; 3.13 only
# for bullseye); DIB's default host is security.debian.org. No -backports (DIB >= 3.40).
export DISTRO_NAME=debian
export DIB_RELEASE=${DIB_RELEASE:-trixie}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/debian

if [ -n "${DIB_DEBIAN_DISTRIBUTION_MIRROR:-}" ]; then
    DIB_DISTRIBUTION_MIRROR=$DIB_DEBIAN_DISTRIBUTION_MIRROR
fi
export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-http://deb.debian.org/debian}
export DIB_DEBIAN_SECURITY_MIRROR=${DIB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main}
export DIB_DEBIAN_COMPONENTS_WS=${DIB_DEBIAN_COMPONENTS//,/ }

case $DIB_RELEASE in
    stretch | buster)
        DIB_DEBIAN_SECURITY_PATH=$DIB_RELEASE
        DIB_DEBIAN_SECURITY_SUBPATH=${DIB_DEBIAN_SECURITY_SUBPATH-/updates} ;;
    *)
        DIB_DEBIAN_SECURITY_PATH=$DIB_RELEASE-security
        DIB_DEBIAN_SECURITY_SUBPATH=${DIB_DEBIAN_SECURITY_SUBPATH-} ;;
esac

# "name:deb line" per line -> /etc/apt/sources.list.d/name.list (dpkg/root.d/50-apt-setup).
case $DIB_RELEASE in
    testing | unstable | sid)
        _kiln_sources="default:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE $DIB_DEBIAN_COMPONENTS_WS" ;;
    *)
        _kiln_sources="default:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE $DIB_DEBIAN_COMPONENTS_WS
updates:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE-updates $DIB_DEBIAN_COMPONENTS_WS
security:deb $DIB_DEBIAN_SECURITY_MIRROR $DIB_DEBIAN_SECURITY_PATH$DIB_DEBIAN_SECURITY_SUBPATH $DIB_DEBIAN_COMPONENTS_WS" ;;
esac
export DIB_APT_SOURCES_CONF=${DIB_APT_SOURCES_CONF:-$_kiln_sources}
unset _kiln_sources

# The kernel: "cloud" (linux-image-cloud-amd64 / -arm64, the default) boots in about half
# the time under QEMU and has the virtio/Xen/Hyper-V drivers VMs need; "generic"
# (linux-image-amd64 / -arm64, what DIB installs) is the one for bare metal.
export DIB_DEBIAN_KERNEL_FLAVOUR=${DIB_DEBIAN_KERNEL_FLAVOUR:-cloud}
export DIB_DEBIAN_NETWORKING=${DIB_DEBIAN_NETWORKING:-networkd}
export DIB_DEBOOTSTRAP_DEFAULT_LOCALE=${DIB_DEBOOTSTRAP_DEFAULT_LOCALE:-C.UTF-8}
export DIB_NETWORK_INTERFACE_NAMES=${DIB_NETWORK_INTERFACE_NAMES:-eth0 eth1}
