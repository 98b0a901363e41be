// The architectures kiln builds for, named as Debian names them (the appliance's packages,
// the host package cache and the local repository are keyed by this name), with what each
// needs from the host: which QEMU binary runs it, which UEFI firmware boots its images.
// Pure data: no imports, so every room may use it.

export type Arch = 'amd64' | 'arm64';

export const ARCHES: readonly Arch[] = ['amd64', 'arm64'];

/** DIB's spellings (`-a`) and Debian's, to Debian's. */
const spellings: Record<string, Arch> = { amd64: 'amd64', x86_64: 'amd64', arm64: 'arm64', aarch64: 'arm64' };

/** The Debian name of an architecture the user spelled either way; undefined if kiln cannot build it. */
export function parseArch(name: string): Arch | undefined {
  return Object.hasOwn(spellings, name) ? spellings[name] : undefined;
}

/** The host's architecture (Node's process.arch), if kiln knows it. */
export function hostArch(nodeArch: string = process.arch): Arch | undefined {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'arm64' ? 'arm64' : undefined;
}

export interface UefiFirmware {
  /**
   * Read-only code images (pflash unit 0) with the template of their variable store (each VM
   * gets its own writable copy, pflash unit 1), the first present one is used.
   */
  files: { code: string; vars: string }[];
  /** The Debian package that ships them. */
  package: string;
}

export interface ArchFacts {
  /** The QEMU system emulator for this guest architecture, and the Debian package that has it. */
  qemu: string;
  qemuPackage: string;
  /** The guest's serial console device (kernel console=). */
  console: string;
  uefi: UefiFirmware;
  /** `uname -m` inside a guest of this architecture. */
  unameMachine: string;
}

export const archFacts: Record<Arch, ArchFacts> = {
  amd64: {
    qemu: 'qemu-system-x86_64',
    qemuPackage: 'qemu-system-x86',
    console: 'ttyS0',
    // the 4 MB builds first: trixie's ovmf ships only those
    uefi: {
      files: [
        { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
        { code: '/usr/share/OVMF/OVMF_CODE.fd', vars: '/usr/share/OVMF/OVMF_VARS.fd' },
      ],
      package: 'ovmf',
    },
    unameMachine: 'x86_64',
  },
  arm64: {
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    // the virt machine's PL011 UART
    console: 'ttyAMA0',
    // AAVMF: EDK2 built for QEMU's virt machine; both files are 64 MiB, the size virt's pflash wants
    uefi: { files: [{ code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd' }], package: 'qemu-efi-aarch64' },
    unameMachine: 'aarch64',
  },
};
