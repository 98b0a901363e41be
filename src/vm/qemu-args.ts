// The QEMU command line of an appliance VM, as a pure function of its configuration.
// Drives are found in the guest by serial, never by order; the only host endpoints are
// UNIX sockets in the VM's private directory (no TCP listener, no port forward).
// Per guest architecture only the machine, the CPU, the firmware and the kernel's console and
// tuning words differ; drives, ports, network and fw_cfg are the same PCI devices on both.
import type { Arch } from '../arch.js';

export type Accel = 'kvm' | 'tcg';

export interface DriveSpec {
  file: string;
  /** The guest finds the drive by this (/sys/block/vdX/serial); at most 20 bytes. */
  serial: string;
  format: 'raw' | 'qcow2';
  readonly?: boolean;
  /** 'unsafe' for throwaway drives: flushes are ignored, which TCG builds need for speed. */
  cache?: 'unsafe' | 'writeback' | 'none';
  /** Writes go to a temporary overlay and are dropped (qemu -snapshot per drive). */
  snapshot?: boolean;
  /** Guest discards and zero writes punch holes in the file: it stays sparse. */
  discard?: boolean;
}

export interface VmConfig {
  /** The guest's architecture (default amd64): a q35 PC, or an arm64 `virt` machine. */
  arch?: Arch;
  qemu: string;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  initrd: string;
  /** Firmware instead of QEMU's default (SeaBIOS): qboot, which only starts the kernel. amd64 only. */
  firmware?: string;
  /** Extra kernel command-line words. */
  append?: string[];
  drives: DriveSpec[];
  network: boolean;
  /** virtio-serial ports: name in the guest (/dev/virtio-ports/NAME) -> host UNIX socket path. */
  ports: Record<string, string>;
  consoleLog: string;
  /** fw_cfg blobs: name (opt/...) -> host file. */
  fwCfg: Record<string, string>;
}

/**
 * qboot (Debian's qemu-system-data): a firmware that does nothing but load the kernel
 * QEMU was given. SeaBIOS first sets up a PC that can boot from disks, about 0.25 s of
 * emulated work per appliance boot that nothing uses.
 */
export const QBOOT = '/usr/share/qemu/qboot.rom';

/** Kernel words that take work off any emulated boot, whatever the architecture. */
const EMULATED_BOOT = [
  'quiet',
  'loglevel=3',
  'panic=-1',
  'rdinit=/init',
  'cryptomgr.notests',
  'random.trust_cpu=on',
  'mitigations=off',
  // hardening a throwaway VM does not need, each paid in emulated instructions: Debian's
  // kernel zeroes every page it allocates (page cache included) and checks every user copy
  'init_on_alloc=0',
  'randomize_kstack_offset=off',
  'hardened_usercopy=off',
  'nokaslr',
  // fixed addresses let TCG reuse its translations of shared libraries across processes:
  // with ASLR every exec retranslates libc, and a fork+exec costs ~3x as much
  'norandmaps',
];

/** The PC's: the 16550 console, and no probing of hardware QEMU lacks. */
export const fastBootCmdline = ['console=ttyS0', ...EMULATED_BOOT, 'tsc=reliable', 'no_timer_check', 'noreplace-smp', 'i8042.noaux', 'i8042.nomux', 'i8042.nopnp', 'i8042.dumbkbd', '8250.nr_uarts=1'];

/** The same for an arm64 guest on `virt`: the PL011 console, none of the PC's words. */
export const arm64BootCmdline = ['console=ttyAMA0', ...EMULATED_BOOT];

export function bootCmdline(arch: Arch = 'amd64'): string[] {
  return arch === 'arm64' ? arm64BootCmdline : fastBootCmdline;
}

/** The machine: a q35 PC without the parts nothing uses, or arm64's `virt` (PCIe, PL011, fw_cfg). */
export function machineArgs(arch: Arch = 'amd64'): string[] {
  return arch === 'arm64' ? ['-machine', ARM64_MACHINE] : ['-machine', 'q35,vmport=off,smm=off'];
}

/** `virt` with GICv3 (no 8-CPU limit of GICv2). */
export const ARM64_MACHINE = 'virt,gic-version=3';

export function renderQemuArgs(c: VmConfig): string[] {
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    ...machineArgs(c.arch),
    ...accelArgs(c.accel, c.arch),
    ...(c.firmware && c.arch !== 'arm64' ? ['-bios', c.firmware] : []),
    '-smp',
    String(c.cpus),
    '-m',
    `${c.memoryMiB}M`,
    '-kernel',
    c.kernel,
    '-initrd',
    c.initrd,
    '-append',
    [...bootCmdline(c.arch), ...(c.append ?? [])].join(' '),
    '-serial',
    `file:${c.consoleLog}`,
    '-device',
    'virtio-rng-pci',
  ];
  c.drives.forEach((d, i) => {
    const opts = [`file=${escapeOpt(d.file)}`, 'if=none', `id=drive${i}`, `format=${d.format}`, `cache=${d.cache ?? 'writeback'}`, 'aio=threads'];
    // a host write error (a full file system) goes to the guest as an I/O error: QEMU's default
    // pauses the VM, and a paused guest answers nothing
    if (d.readonly) opts.push('readonly=on');
    else opts.push('werror=report', 'rerror=report');
    if (d.snapshot) opts.push('snapshot=on');
    if (d.discard) opts.push('discard=unmap', 'detect-zeroes=unmap');
    args.push('-drive', opts.join(','), '-device', `virtio-blk-pci,drive=drive${i},serial=${escapeOpt(d.serial)}`);
  });
  if (c.network) args.push('-netdev', 'user,id=net0', '-device', 'virtio-net-pci,netdev=net0');
  const ports = Object.entries(c.ports);
  if (ports.length) {
    args.push('-device', 'virtio-serial-pci,id=vser0');
    ports.forEach(([name, path], i) => {
      args.push('-chardev', `socket,id=port${i},path=${escapeOpt(path)},server=on,wait=off`);
      args.push('-device', `virtserialport,bus=vser0.0,chardev=port${i},name=${escapeOpt(name)}`);
    });
  }
  for (const [name, file] of Object.entries(c.fwCfg)) args.push('-fw_cfg', `name=${escapeOpt(name)},file=${escapeOpt(file)}`);
  return args;
}

/**
 * KVM with the host CPU, or multi-threaded TCG with every feature QEMU can emulate but
 * "fast strings": with ERMS/FSRM the kernel and glibc copy memory with `rep movsb`, which
 * TCG runs one byte per iteration; without them they use `rep movsq` or vector loops. A
 * guest copy into tmpfs runs ~3x faster, a tar unpack ~1.7x.
 */
export function accelArgs(accel: Accel, arch: Arch = 'amd64'): string[] {
  if (accel === 'kvm') return ['-accel', 'kvm', '-cpu', 'host'];
  return ['-accel', 'tcg,thread=multi', '-cpu', arch === 'arm64' ? ARM64_TCG_CPU : 'max,erms=off,fsrm=off'];
}

/**
 * The emulated arm64 CPU under TCG: every feature QEMU has but pointer authentication.
 * Debian's arm64 kernel and userland sign return addresses; with `max`'s architected QARMA5
 * TCG computes a cipher in software at every signed call and return, and the appliance boots
 * in 11-14 s instead of 3. Without PAuth the signing instructions are hint-space NOPs
 * (`pauth-impdef=on`, QEMU's cheap hash, still costs ~1.5x).
 */
export const ARM64_TCG_CPU = 'max,pauth=off';

/** QEMU option values escape a comma by doubling it. */
export function escapeOpt(value: string): string {
  return value.replace(/,/g, ',,');
}
