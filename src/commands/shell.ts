// `kiln shell [-- CMD]`: a root shell in a fresh appliance, the way to debug elements.
import { constants } from 'node:os';
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { UsageError } from '../errors.js';
import { withAppliance } from '../vm/session.js';
import { quote } from '../env/quote.js';
import type { AccelOption } from '../vm/accel.js';

interface ShellOptions {
  accel: string;
  network?: boolean;
  memsize: string;
  smp?: string;
  qemu?: string;
  bootTimeout?: string;
}

export function register(program: Command): void {
  program
    .command('shell')
    .description('boot the appliance and open a root shell in it; with -- CMD, run one command and exit with its status')
    .argument('[command...]', 'command to run instead of an interactive shell')
    .option('--accel <accel>', 'auto, kvm or tcg', 'auto')
    .option('--network', 'give the appliance user-mode networking')
    .option('--memsize <MiB>', 'appliance memory in MiB', '2048')
    .option('--smp <n>', 'appliance vCPUs (default: host cores)')
    .option('--qemu <path>', 'the QEMU binary (env KILN_QEMU; default qemu-system-x86_64 from PATH)', process.env.KILN_QEMU)
    .option('--boot-timeout <seconds>', 'how long the appliance may take to come up (env KILN_BOOT_TIMEOUT; default 120)', process.env.KILN_BOOT_TIMEOUT)
    .action(async (command: string[], o: ShellOptions) => {
      if (!['auto', 'kvm', 'tcg'].includes(o.accel)) throw new UsageError(`--accel must be auto, kvm or tcg, not ${o.accel}`);
      const bootTimeoutMs = o.bootTimeout === undefined ? undefined : positive('--boot-timeout (KILN_BOOT_TIMEOUT)', o.bootTimeout) * 1000;
      const logger = createLogger();
      const code = await withAppliance(
        {
          logger,
          accel: o.accel as AccelOption,
          network: !!o.network,
          memoryMiB: positive('--memsize', o.memsize),
          cpus: o.smp ? positive('--smp', o.smp) : undefined,
          qemu: o.qemu || undefined,
          bootTimeoutMs,
          // a debugging aid: extra kernel command-line words for the appliance
          append: process.env.KILN_KERNEL_APPEND?.split(/\s+/).filter(Boolean),
        },
        async (vm) => {
          const cmd = command.length ? command.map(quote).join(' ') : undefined;
          if (cmd !== undefined && !process.stdin.isTTY) {
            const r = await vm.exec(cmd, { onStdout: (c) => process.stdout.write(c), onStderr: (c) => process.stderr.write(c), collect: false });
            return r.exitCode ?? signalExitCode(r.signal);
          }
          const tty = process.stdin.isTTY;
          if (tty) process.stdin.setRawMode(true);
          try {
            return await vm.channel!.interactive(cmd ?? 'exec bash -l', { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, {
              term: process.env.TERM ?? 'xterm',
              rows: process.stdout.rows ?? 24,
              cols: process.stdout.columns ?? 80,
            });
          } finally {
            if (tty) process.stdin.setRawMode(false);
            process.stdin.pause();
          }
        },
      );
      process.exitCode = code ?? 1;
    });
}

/** A command killed by a signal exits as a shell reports it: 128 + the signal's number. */
function signalExitCode(signal: string | null): number {
  const n = signal ? (constants.signals as Record<string, number | undefined>)[signal] : undefined;
  return 128 + (n ?? 1);
}

function positive(what: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, not ${JSON.stringify(text)}`);
  return n;
}
