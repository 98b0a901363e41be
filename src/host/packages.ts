// Which Debian package ships each host program kiln runs: the hint of every "not installed".
/** Debian package of each host tool kiln runs, for the "not installed" message. */
const TOOL_PACKAGES: Record<string, string> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  ldconfig: 'libc-bin',
  depmod: 'kmod',
  mksquashfs: 'squashfs-tools',
  sqfstar: 'squashfs-tools',
  unsquashfs: 'squashfs-tools',
  'qemu-img': 'qemu-utils',
  'qemu-system-x86_64': 'qemu-system-x86',
  tar: 'tar',
  'mke2fs': 'e2fsprogs',
  setpriv: 'util-linux',
  flock: 'util-linux',
  'qemu-system-aarch64': 'qemu-system-arm',
};

export function debianPackageOf(tool: string): string {
  return TOOL_PACKAGES[tool] ?? tool;
}
