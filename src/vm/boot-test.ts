// `kiln boot IMAGE`: boot a built image in QEMU and watch its serial console for a login
// prompt (or a marker). The image is opened with -snapshot: a boot test never changes it.
import { rm, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostCpus } from '../host/cpus.js';
import { join } from 'node:path';
import { archFacts, hostArch, type Arch } from '../arch.js';
import { KilnError } from '../errors.js';
import { checkImageFile } from '../host/image-file.js';
import { makeTempDir } from '../host/tmpdir.js';
import { qemuVersion } from './qemu-binary.js';
import type { Logger } from '../log.js';
import { cacheLayout } from '../cache/layout.js';
import { kvmUsable, requireKvm, VerdictStore, verdictKey, type AccelOption } from './accel.js';
import { run, spawn } from '../host/run.js';
import { accelArgs, escapeOpt, machineArgs, type Accel } from './qemu-args.js';
import { Watchdog } from './watchdog.js';
import { needsUefi, readImageLayout } from './image-layout.js';
import { stripTerminalCodes } from './console.js';

export interface BootTestOptions {
  image: string;
  accel: AccelOption;
  timeoutMs: number;
  /** What to wait for on the console; default: a login prompt. */
  marker?: RegExp;
  /** UEFI (true) or BIOS (false); undefined: chosen from the image's partition table. */
  uefi?: boolean;
  /** The image's architecture (default amd64); arm64 images always boot with UEFI (AAVMF). */
  arch?: Arch;
  memoryMiB?: number;
  logger: Logger;
  /** Copy of the console output goes here too. */
  onConsole?: (chunk: Buffer) => void;
  qemu?: string;
}

export const LOGIN_PROMPT = /\blogin: *$/m;
export interface BootArgs {
  image: string;
  format: string;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  uefi?: { code: string; vars: string };
  /** The disk's logical sector size: 4096 for a 4K-sector image. */
  sectorSize?: number;
  arch?: Arch;
}

export function renderBootArgs(o: BootArgs): string[] {
  const big = (o.sectorSize ?? 512) !== 512;
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...(o.arch === 'arm64' ? machineArgs('arm64') : ['-machine', 'q35']),
    ...accelArgs(o.accel, o.arch),
    '-smp',
    String(o.cpus),
    '-m',
    `${o.memoryMiB}M`,
    ...(o.uefi ? ['-drive', `if=pflash,format=raw,readonly=on,file=${escapeOpt(o.uefi.code)}`, '-drive', `if=pflash,format=raw,file=${escapeOpt(o.uefi.vars)}`] : []),
    // a 4K image on a disk that says so: logical and physical block size on the device
    ...(big
      ? ['-drive', `file=${escapeOpt(o.image)},format=${o.format},if=none,id=disk0,snapshot=on`, '-device', `virtio-blk-pci,drive=disk0,logical_block_size=${o.sectorSize},physical_block_size=${o.sectorSize}`]
      : ['-drive', `file=${escapeOpt(o.image)},format=${o.format},if=virtio,snapshot=on`]),
    '-netdev',
    'user,id=n0',
    '-device',
    'virtio-net-pci,netdev=n0',
    '-device',
    'virtio-rng-pci',
    '-serial',
    'stdio',
  ];
}

export interface BootTestResult {
  ok: boolean;
  elapsedMs: number;
  console: string;
  /** QEMU ended by itself before the marker: the guest powered off (0) or QEMU failed. */
  ended?: { exitCode: number | null; stderr: string };
}

export async function bootTest(o: BootTestOptions): Promise<BootTestResult> {
  await checkImageFile(o.image);
  const arch = o.arch ?? 'amd64';
  const facts = archFacts[arch];
  const qemu = o.qemu ?? facts.qemu;
  await requireKvm(o.accel);
  await qemuVersion(qemu);
  const info = JSON.parse((await run('qemu-img', ['info', '--output=json', o.image], { what: `read ${o.image}` })).stdout) as { format: string };
  const marker = o.marker ?? LOGIN_PROMPT;
  // a foreign guest is always emulated
  const accel = arch === hostArch() ? await chooseAccel(o.accel, qemu) : 'tcg';
  const layout = await readImageLayout(o.image, info.format);
  // arm64's virt machine has no BIOS: its images boot with UEFI only
  const wantUefi = arch === 'arm64' || (o.uefi ?? needsUefi(layout));
  const fw = wantUefi ? facts.uefi.files.find((f) => existsSync(f.code) && existsSync(f.vars)) : undefined;
  if (wantUefi && !fw) throw new KilnError(`UEFI firmware is missing (${facts.uefi.files.map((f) => f.code).join(' or ')}); ${o.image} ${o.uefi ? 'was to boot with --uefi' : 'boots only with UEFI'}`, { hint: `install it: apt-get install ${facts.uefi.package}` });
  // everything that can fail on the user's input has been asked: from here on the temp dir is removed whatever happens
  const dir = await makeTempDir('kiln-boot-');
  const watchdog = new Watchdog(dir);
  let uefi: { code: string; vars: string } | undefined;
  if (fw) {
    // the variable store is written by the firmware: each boot gets its own copy
    uefi = { code: fw.code, vars: join(dir, 'vars.fd') };
    await copyFile(fw.vars, uefi.vars).catch(async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      watchdog.release();
      throw e;
    });
  }
  const args = renderBootArgs({ image: o.image, format: info.format, accel, cpus: hostCpus(), memoryMiB: o.memoryMiB ?? 1024, uefi, sectorSize: layout.sectorSize, arch });
  const how = `${arch}, ${wantUefi ? 'UEFI' : 'BIOS'}${o.uefi === undefined && wantUefi ? ' (the image boots no other way)' : ''}${layout.sectorSize !== 512 ? `, ${layout.sectorSize}-byte sectors` : ''}`;
  o.logger.info(`booting ${o.image} (${info.format}, ${how}, ${accel.toUpperCase()}), waiting up to ${Math.round(o.timeoutMs / 1000)}s for ${o.marker ? String(o.marker) : 'a login prompt'}`);
  const t0 = performance.now();
  const proc = spawn(qemu, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false });
  if (proc.pid) watchdog.watch(proc.pid);
  let text = '';
  let errText = '';
  proc.stderr?.on('data', (c: Buffer) => (errText = (errText + c.toString()).slice(-4096)));
  let ended: BootTestResult['ended'];
  try {
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), o.timeoutMs);
      proc.stdout?.on('data', (c: Buffer) => {
        o.onConsole?.(c);
        // ANSI escapes from firmware would split "login:" from the line start
        text = stripTerminalCodes(text + c.toString()).slice(-65536);
        if (marker.test(text)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void proc.then((r) => {
        clearTimeout(timer);
        if (!marker.test(text)) ended = { exitCode: r.exitCode ?? null, stderr: errText.trim() };
        resolve(marker.test(text));
      });
    });
    return { ok, elapsedMs: performance.now() - t0, console: text, ended };
  } finally {
    proc.kill('SIGKILL');
    await proc.catch(() => {});
    await rm(dir, { recursive: true, force: true });
    watchdog.release();
  }
}

async function chooseAccel(option: AccelOption, qemu: string): Promise<Accel> {
  if (option !== 'auto') return option;
  if (!(await kvmUsable())) return 'tcg';
  const version = await qemuVersion(qemu);
  // the appliance's boots have probed KVM on this host; trust their verdict
  return (await new VerdictStore(cacheLayout().accelVerdicts).get(verdictKey(qemu, version))) ?? 'kvm';
}
