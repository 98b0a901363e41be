// `kiln boot IMAGE`: boot a built image in QEMU and watch its serial console for a login
// prompt (or a marker). The image is opened with -snapshot: a boot test never changes it.
import { mkdtemp, rm, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { cacheLayout } from '../cache/layout.js';
import { kvmUsable, VerdictStore, verdictKey, type AccelOption } from './accel.js';
import { run, spawn } from '../host/run.js';
import { accelArgs, escapeOpt, type Accel } from './qemu-args.js';
import { Watchdog } from './watchdog.js';
import { stripTerminalCodes } from './console.js';

export interface BootTestOptions {
  image: string;
  accel: AccelOption;
  timeoutMs: number;
  /** What to wait for on the console; default: a login prompt. */
  marker?: RegExp;
  uefi?: boolean;
  memoryMiB?: number;
  logger: Logger;
  /** Copy of the console output goes here too. */
  onConsole?: (chunk: Buffer) => void;
  qemu?: string;
}

export const LOGIN_PROMPT = /\blogin: *$/m;
const OVMF = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';

export function renderBootArgs(o: { image: string; format: string; accel: Accel; cpus: number; memoryMiB: number; uefi?: { code: string; vars: string } }): string[] {
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-machine',
    'q35',
    ...accelArgs(o.accel),
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
  const qemu = o.qemu ?? 'qemu-system-x86_64';
  const info = JSON.parse((await run('qemu-img', ['info', '--output=json', o.image], { what: `read ${o.image}` })).stdout) as { format: string };
  const marker = o.marker ?? LOGIN_PROMPT;
  const accel = await chooseAccel(o.accel, qemu);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-boot-'));
  const watchdog = new Watchdog(dir);
  let uefi: { code: string; vars: string } | undefined;
  if (o.uefi) {
    if (!existsSync(OVMF)) throw new KilnError(`UEFI firmware ${OVMF} is missing`, { hint: 'install it: apt-get install ovmf' });
    uefi = { code: OVMF, vars: join(dir, 'vars.fd') };
    await copyFile(OVMF_VARS, uefi.vars);
  }
  const args = renderBootArgs({ image: o.image, format: info.format, accel, cpus: cpus().length, memoryMiB: o.memoryMiB ?? 1024, uefi });
  o.logger.info(`booting ${o.image} (${info.format}, ${accel.toUpperCase()}), waiting up to ${Math.round(o.timeoutMs / 1000)}s for ${o.marker ? String(o.marker) : 'a login prompt'}`);
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
        text = stripTerminalCodes(text + c.toString()).slice(-65536);
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
  return (await new VerdictStore(cacheLayout().accelVerdicts).get(verdictKey(version))) ?? 'kvm';
}
