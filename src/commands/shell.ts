// `kiln shell [-- CMD]`: a root shell in a fresh appliance, the way to debug elements. With a
// command, kiln exits with the command's status (128+N when a signal N ended it).
import { constants } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { terminalSize, withRawTerminal } from '../host/tty.js';
import { createLogger } from '../log.js';
import { memsize, smp } from '../options.js';
import { quote } from '../quote.js';
import { parseAccel } from '../vm/accel.js';
import { withAppliance } from './session.js';
import { statusAction, type ExitStatus } from './status.js';

interface ShellOptions {
  accel: string;
  network?: boolean;
  memsize: string;
  smp?: string;
  qemu?: string;
  bootTimeout?: string;
}

export function register(program: Command, status: ExitStatus): void {
  program
    .command('shell')
    .description('boot the appliance and open a root shell in it; with -- CMD, run one command and exit with its status')
    .argument('[command...]', 'command to run instead of an interactive shell')
    .option('--accel <accel>', 'auto, kvm or tcg', 'auto')
    .option('--network', 'give the appliance user-mode networking')
    .option('--memsize <MiB>', 'appliance memory in MiB', '2048')
    .option('--smp <n>', 'appliance vCPUs (default: the cores kiln may use, within a container’s CPU limit)')
    .option('--qemu <path>', 'the QEMU binary (env KILN_QEMU; default qemu-system-x86_64 from PATH)', process.env.KILN_QEMU)
    .option('--boot-timeout <seconds>', 'how long the appliance may take to come up (env KILN_BOOT_TIMEOUT; default 120)', process.env.KILN_BOOT_TIMEOUT)
    .action(
      statusAction(status, async (command: string[], o: ShellOptions) => {
        const bootTimeoutMs = o.bootTimeout === undefined ? undefined : positive('--boot-timeout (KILN_BOOT_TIMEOUT)', o.bootTimeout) * 1000;
        const logger = createLogger();
        const code = await withAppliance(
          {
            logger,
            accel: parseAccel(o.accel),
            network: !!o.network,
            memoryMiB: memsize(o.memsize),
            cpus: o.smp ? smp(o.smp) : undefined,
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
            return withRawTerminal(() => vm.channel!.interactive(cmd ?? 'exec bash -l', { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, terminalSize()));
          },
        );
        return code ?? 1;
      }),
    );
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
