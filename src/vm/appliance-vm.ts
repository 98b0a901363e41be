// One appliance VM: configured -> booting -> ready -> stopping -> stopped. Boot tries the
// accelerators of the plan in turn; shutdown is a clean poweroff with a kill as fallback,
// safe to call twice; a signal to kiln or kiln's death takes the VM down with it.
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostCpus } from '../host/cpus.js';
import { join } from 'node:path';
import { applianceArch, type Appliance } from '../appliance/store.js';
import { hostArch } from '../arch.js';
import { Channel } from '../channel/ssh.js';
import type { ExecOptions, ExecResult } from '../channel/command.js';
import { ExecdClient } from '../channel/execd.js';
import { DataPort } from '../channel/dataport.js';
import { TRANSFER_DRIVE_SERIAL, TransferDrive } from '../channel/transfer-drive.js';
import { getTree, getTreeArchive, putTree } from '../channel/transfer.js';
import { generateVmKeys, type VmKeys } from '../channel/keys.js';
import { ApplianceError, KilnError } from '../errors.js';
import { quote } from '../quote.js';
import type { Logger } from '../log.js';
import { cacheLayout } from '../cache/layout.js';
import { kvmUsable, planAccel, requireKvm, VerdictStore, verdictKey, type AccelOption } from './accel.js';
import { spawn, type HostProcess } from '../host/run.js';
import { makeTempDir } from '../host/tmpdir.js';
import { defaultQemu, qemuVersion } from './qemu-binary.js';
import { QBOOT, renderQemuArgs, type Accel, type DriveSpec, type VmConfig } from './qemu-args.js';
import { Watchdog } from './watchdog.js';
import { dirBytes, tarSizeEstimate, watchTransfer, type OnTransferProgress } from './transfer-progress.js';
import { stripTerminalCodes } from './console.js';
import { devBySerial } from '../guest/drives.js';
import { interruption, onInterrupt } from '../signals.js';

export type VmState = 'configured' | 'booting' | 'ready' | 'stopping' | 'stopped';

export interface ApplianceVmOptions {
  appliance: Appliance;
  logger: Logger;
  accel?: AccelOption;
  memoryMiB?: number;
  cpus?: number;
  network?: boolean;
  drives?: DriveSpec[];
  qemu?: string;
  /** How long a TCG boot may take before the guest counts as never coming up. */
  bootTimeoutMs?: number;
  /** How long KVM gets to reach ready before kiln falls back to TCG. */
  kvmProbeMs?: number;
  /** Extra kernel command-line words (debugging: KILN_KERNEL_APPEND). */
  append?: string[];
  /** Extra key=value lines for the guest's /usr/lib/kiln/init (fw_cfg opt/kiln/config). */
  guestConfig?: Record<string, string>;
}

export const SSH_PORT = 'kiln.ssh';
export const DATA_PORT = 'kiln.data';
export const EXEC_PORT = 'kiln.exec';

const live = new Set<ApplianceVm>();
let interruptHooked = false;

/** The guest never answered within the boot deadline (QEMU still running, nothing said). */
class GuestSilentError extends Error {}

export class ApplianceVm {
  state: VmState = 'configured';
  accel: Accel | undefined;
  /** SSH: interactive shells (pty). */
  channel: Channel | undefined;
  /** kiln-execd: every other command. */
  execd: ExecdClient | undefined;
  data: DataPort | undefined;
  private transferDrive: TransferDrive | undefined;
  readonly dir: string;
  private qemu: HostProcess | undefined;
  private watchdog: Watchdog | undefined;
  private exited: Promise<void> = Promise.resolve();
  private bootStarted = 0;
  bootMs = 0;

  private constructor(dir: string, private readonly opts: ApplianceVmOptions, private readonly keys: VmKeys) {
    this.dir = dir;
  }

  static async boot(opts: ApplianceVmOptions): Promise<ApplianceVm> {
    if (!interruptHooked) {
      interruptHooked = true;
      onInterrupt(() => Promise.allSettled([...live].map((vm) => vm.kill())), 'vm');
    }
    const arch = applianceArch(opts.appliance);
    const qemu = opts.qemu ?? defaultQemu(arch);
    await requireKvm(opts.accel ?? 'auto');
    const qemuVersionLine = await qemuVersion(qemu, opts.qemu !== undefined);
    const verdicts = new VerdictStore(cacheLayout().accelVerdicts);
    const key = verdictKey(qemu, qemuVersionLine);
    const foreign = arch !== hostArch();
    if (foreign && opts.accel === 'kvm') throw new ApplianceError(`--accel kvm cannot run an ${arch} appliance on this ${hostArch() ?? process.arch} host`, { hint: 'drop --accel kvm: kiln emulates the guest (TCG)' });
    const plan = planAccel({ option: opts.accel ?? 'auto', foreign, kvmUsable: await kvmUsable(), verdict: await verdicts.get(key) });
    // an emulated guest that never answered gets one more boot before kiln gives up: a stuck
    // boot is rare and costs a deadline; a guest that fails (QEMU exits, the console says why) does not
    const tries = [...plan.tries, plan.tries.at(-1)!];
    for (const [i, accel] of tries.entries()) {
      const last = i === tries.length - 1;
      const retry = i === tries.length - 2;
      const vm = new ApplianceVm(await makeTempDir('kiln-vm-'), opts, generateVmKeys());
      live.add(vm);
      try {
        const deadline = i >= plan.tries.length - 1 ? (opts.bootTimeoutMs ?? 120_000) : (opts.kvmProbeMs ?? 15_000);
        await vm.start(qemu, accel, deadline);
        if (plan.tries.length > 1) await verdicts.set(key, accel);
        return vm;
      } catch (e) {
        const console = await vm.consoleTail();
        await vm.kill();
        if (retry && e instanceof GuestSilentError && !interruption()) {
          opts.logger.warn(`the appliance did not answer under ${accel.toUpperCase()} (${e.message}); booting it once more`);
          continue;
        }
        if (last || retry) {
          if (e instanceof ApplianceError) throw e;
          throw new ApplianceError(`the appliance did not come up under ${accel.toUpperCase()}: ${(e as Error).message}${console ? `\nguest console (last lines):\n  ${console}` : '\nthe guest console stayed empty'}`, {
            hint: `check the appliance with: kiln appliance build --refresh; on a slow or loaded host give it longer with KILN_BOOT_TIMEOUT=SECONDS (now ${((opts.bootTimeoutMs ?? 120_000) / 1000).toFixed(0)})`,
            cause: e,
          });
        }
        opts.logger.warn(`KVM did not work here (${(e as Error).message.split('\n')[0]}); falling back to TCG (software emulation, slower). kiln remembers this for this host.`);
        await verdicts.set(key, 'tcg');
      }
    }
    throw new ApplianceError('no accelerator to try');
  }

  private async start(qemu: string, accel: Accel, deadlineMs: number): Promise<void> {
    this.state = 'booting';
    this.accel = accel;
    const a = this.opts.appliance;
    const f = (n: string) => join(this.dir, n);
    await writeFile(f('host_key'), this.keys.hostPrivate, { mode: 0o600 });
    await writeFile(f('authorized_keys'), this.keys.clientPublic, { mode: 0o600 });
    const config = { KILN_NETWORK: this.opts.network ? '1' : '0', ...this.opts.guestConfig };
    await writeFile(f('config'), Object.entries(config).map(([k, v]) => `${k}=${quote(v)}\n`).join(''), { mode: 0o600 });
    const xfer = new TransferDrive(f('transfer.raw'), (serial) => `${devBySerial}dev_by_serial ${serial}`);
    await xfer.create();
    const arch = applianceArch(a);
    const cfg: VmConfig = {
      arch,
      qemu,
      accel,
      cpus: this.opts.cpus ?? hostCpus(),
      memoryMiB: this.opts.memoryMiB ?? 2048,
      kernel: a.kernel,
      firmware: arch === 'amd64' && existsSync(QBOOT) ? QBOOT : undefined,
      initrd: a.initrd,
      append: this.opts.append,
      drives: [
        { file: a.root, serial: 'kiln-root', format: 'raw', readonly: true },
        ...(this.opts.drives ?? []),
        { file: xfer.file, serial: TRANSFER_DRIVE_SERIAL, format: 'raw', cache: 'unsafe' },
      ],
      network: this.opts.network ?? false,
      ports: { [SSH_PORT]: f('ssh.sock'), [EXEC_PORT]: f('exec.sock'), [DATA_PORT]: f('data.sock') },
      consoleLog: f('console.log'),
      fwCfg: { 'opt/kiln/host_key': f('host_key'), 'opt/kiln/authorized_keys': f('authorized_keys'), 'opt/kiln/config': f('config') },
    };
    this.watchdog = new Watchdog(this.dir);
    this.bootStarted = performance.now();
    const proc = spawn(qemu, renderQemuArgs(cfg), { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', buffer: { stderr: true } });
    this.qemu = proc;
    if (proc.pid) this.watchdog.watch(proc.pid);
    let qemuDied: (e: Error) => void = () => {};
    const died = new Promise<never>((_, reject) => (qemuDied = reject));
    died.catch(() => {});
    this.exited = proc.then((r) => {
      if (this.state === 'booting') qemuDied(new Error(`QEMU exited during boot (status ${r.exitCode ?? r.signal}): ${String(r.stderr).trim().split('\n').slice(-3).join(' / ')}`));
    });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    const timedOut = (e: Error) => {
      throw abort.signal.aborted ? new GuestSilentError(`no answer from the guest within ${(deadlineMs / 1000).toFixed(0)}s`) : e;
    };
    // both lanes connect at once; each keeps what it got so a failure can close it
    const ssh = Channel.open(cfg.ports[SSH_PORT]!, this.keys, deadlineMs, abort.signal).then((c) => (this.channel = c), timedOut);
    const execd = ExecdClient.open(cfg.ports[EXEC_PORT]!, deadlineMs, abort.signal).then((c) => (this.execd = c), timedOut);
    try {
      await Promise.race([Promise.all([ssh, execd]), died]);
    } catch (e) {
      abort.abort();
      await Promise.allSettled([ssh, execd]);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    this.bootMs = performance.now() - this.bootStarted;
    this.data = new DataPort(cfg.ports[DATA_PORT]!);
    this.transferDrive = xfer;
    this.state = 'ready';
  }

  /** Not ready (booting, stopped) is a rejected promise, never a synchronous throw. */
  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return this.ready().exec(command, opts);
  }

  /**
   * A guest shell script that must succeed: its stdout, or an error that says what was being
   * done (`what`, in the user's words) with the tail of the script's output.
   */
  async script(what: string, text: string): Promise<string> {
    const r = await this.exec('bash -s', { stdin: text });
    if (r.exitCode !== 0) {
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-20).join('\n  ');
      throw new KilnError(`${what} failed in the appliance (${r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`})${tail ? `:\n  ${tail}` : ''}`);
    }
    return r.stdout;
  }

  /** Run argv without a shell, with exactly `env`, in `cwd`. */
  async execArgv(argv: string[], env: Record<string, string>, cwd?: string, opts?: ExecOptions): Promise<ExecResult> {
    return this.ready().execArgv(argv, env, cwd, opts);
  }

  /** The host directory's contents into `guestDir`; `onProgress` hears the bytes the host has written into the transfer drive. */
  async putTree(hostDir: string, guestDir: string, onProgress?: OnTransferProgress): Promise<number> {
    const ch = this.ready();
    const drive = this.transferDrive!;
    // the drive file is the drive's full (sparse) size between transfers; the tar starts it from 0
    const written = async () => {
      const { size } = await stat(drive.file);
      return size < drive.size ? size : undefined;
    };
    return watchTransfer(() => putTree(ch, drive, hostDir, guestDir), written, onProgress, onProgress && (await tarSizeEstimate(hostDir)));
  }

  /** The guest directory's contents into `hostDir`; `onProgress` hears what has arrived there. */
  async getTree(guestDir: string, hostDir: string, onProgress?: OnTransferProgress): Promise<number> {
    const ch = this.ready();
    return watchTransfer(() => getTree(ch, this.data!, guestDir, hostDir), () => dirBytes(hostDir), onProgress);
  }

  /** A tar of the guest directory into the host file `dest`; `onProgress` hears the file grow. */
  async getTreeArchive(guestDir: string, dest: string, extraTarArgs?: string[], onProgress?: OnTransferProgress): Promise<number> {
    const ch = this.ready();
    return watchTransfer(() => getTreeArchive(ch, this.data!, guestDir, dest, extraTarArgs), async () => (await stat(dest)).size, onProgress);
  }

  private ready(): ExecdClient {
    if (this.state !== 'ready' || !this.execd) throw new ApplianceError(`the appliance is ${this.state}, not ready`);
    return this.execd;
  }

  /** Clean poweroff; a kill if the guest doesn't go within `timeoutMs`. Safe to call twice. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.exited;
    if (this.state === 'ready' && this.execd) {
      this.state = 'stopping';
      // the command never returns: the VM is gone before the reply
      void this.execd.exec('sync; busybox poweroff -f').catch(() => {});
      const gone = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!gone) this.qemu?.kill('SIGKILL');
    }
    await this.kill();
  }

  /** Immediate teardown: kill QEMU, drop the channel, remove the VM's directory. */
  async kill(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.channel?.close();
    this.execd?.close();
    this.data?.close();
    this.qemu?.kill('SIGKILL');
    await this.exited.catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
    this.watchdog?.release();
    this.state = 'stopped';
    live.delete(this);
  }

  async consoleTail(lines = 20): Promise<string> {
    const file = join(this.dir, 'console.log');
    if (!existsSync(file)) return '';
    const text = stripTerminalCodes(await readFile(file, 'utf8').catch(() => ''));
    return text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-lines)
      .join('\n  ');
  }
}


function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
