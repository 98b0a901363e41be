// `kiln shell [-- CMD]`: a root shell in a fresh appliance, the way to debug elements.
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { UsageError } from '../errors.js';
import { withAppliance } from '../vm/session.js';
import { quote } from '../env/quote.js';
import type { AccelOption } from '../vm/accel.js';

export function register(program: Command): void {
  program
    .command('shell')
    .description('boot the appliance and open a root shell in it; with -- CMD, run one command and exit with its status')
    .argument('[command...]', 'command to run instead of an interactive shell')
    .option('--accel <accel>', 'auto, kvm or tcg', 'auto')
    .option('--network', 'give the appliance user-mode networking')
    .option('--memsize <MiB>', 'appliance memory in MiB', '2048')
    .option('--smp <n>', 'appliance vCPUs (default: host cores)')
    .action(async (command: string[], o: { accel: string; network?: boolean; memsize: string; smp?: string }) => {
      if (!['auto', 'kvm', 'tcg'].includes(o.accel)) throw new UsageError(`--accel must be auto, kvm or tcg, not ${o.accel}`);
      const logger = createLogger();
      const code = await withAppliance(
        { logger, accel: o.accel as AccelOption, network: !!o.network, memoryMiB: Number(o.memsize), cpus: o.smp ? Number(o.smp) : undefined },
        async (vm) => {
          const cmd = command.length ? command.map(quote).join(' ') : undefined;
          if (cmd !== undefined && !process.stdin.isTTY) {
            const r = await vm.exec(cmd, { onStdout: (c) => process.stdout.write(c), onStderr: (c) => process.stderr.write(c), collect: false });
            return r.exitCode ?? 128 + 1;
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
