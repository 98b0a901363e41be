// `kiln boot IMAGE`: boot a built image in QEMU and watch its serial console for a login
// prompt (or a marker). The image is opened with -snapshot: a boot test never changes it.
import { mkdtemp, rm, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { archFacts, hostArch, type Arch } from '../arch.js';
import { KilnError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { cacheDir } from '../paths.js';
import { kvmUsable, VerdictStore, verdictKey, type AccelOption } from './accel.js';
import { run, spawn } from './exec.js';
import { accelArgs, escapeOpt, machineArgs, type Accel } from './qemu-args.js';
import { Watchdog } from './watchdog.js';

export interface BootTestOptions {
  image: string;
  accel: AccelOption;
  timeoutMs: number;
  /** Regular expression to wait for on the console; default: a login prompt. */
  marker?: string;
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
const ANSI_ESCAPE = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g');

export function renderBootArgs(o: { image: string; format: string; accel: Accel; cpus: number; memoryMiB: number; uefi?: { code: string; vars: string }; arch?: Arch }): string[] {
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
    '-drive',
    `file=${escapeOpt(o.image)},format=${o.format},if=virtio,snapshot=on`,
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

export async function bootTest(o: BootTestOptions): Promise<{ ok: boolean; elapsedMs: number; console: string }> {
  if (!existsSync(o.image)) throw new UsageError(`${o.image}: no such image`);
  const arch = o.arch ?? 'amd64';
  const facts = archFacts[arch];
  const qemu = o.qemu ?? facts.qemu;
  const info = JSON.parse((await run('qemu-img', ['info', '--output=json', o.image], { what: `read ${o.image}` })).stdout) as { format: string };
  const marker = o.marker ? new RegExp(o.marker, 'm') : LOGIN_PROMPT;
  const accel = arch === hostArch() ? await chooseAccel(o.accel, qemu) : 'tcg';
  const dir = await mkdtemp(join(tmpdir(), 'kiln-boot-'));
  const watchdog = new Watchdog(dir);
  let uefi: { code: string; vars: string } | undefined;
  // arm64's virt machine has no BIOS: its images boot with UEFI only
  if (o.uefi || arch === 'arm64') {
    const fw = facts.uefi;
    if (!existsSync(fw.code) || !existsSync(fw.vars)) throw new KilnError(`UEFI firmware ${existsSync(fw.code) ? fw.vars : fw.code} is missing`, { hint: `install it: apt-get install ${fw.package}` });
    // the variable store is written by the firmware: each boot gets its own copy
    uefi = { code: fw.code, vars: join(dir, 'vars.fd') };
    await copyFile(fw.vars, uefi.vars);
  }
  const args = renderBootArgs({ image: o.image, format: info.format, accel, cpus: cpus().length, memoryMiB: o.memoryMiB ?? 1024, uefi, arch });
  o.logger.info(`booting ${o.image} (${info.format}, ${accel.toUpperCase()}), waiting up to ${Math.round(o.timeoutMs / 1000)}s for ${o.marker ? `/${o.marker}/` : 'a login prompt'}`);
  const t0 = performance.now();
  const proc = spawn(qemu, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false });
  if (proc.pid) watchdog.watch(proc.pid);
  let text = '';
  try {
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), o.timeoutMs);
      proc.stdout?.on('data', (c: Buffer) => {
        o.onConsole?.(c);
        // ANSI escapes from firmware would split "login:" from the line start
        text = (text + c.toString()).replace(ANSI_ESCAPE, '').slice(-65536);
        if (marker.test(text)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void proc.then(() => {
        clearTimeout(timer);
        resolve(marker.test(text));
      });
    });
    return { ok, elapsedMs: performance.now() - t0, console: text };
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
  const version = (await run(qemu, ['--version'], { what: 'start QEMU' })).stdout.split('\n')[0] ?? '';
  // the appliance's boots have probed KVM on this host; trust their verdict
  return (await VerdictStore.in(cacheDir()).get(verdictKey(version))) ?? 'kvm';
}
