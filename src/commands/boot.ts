// `kiln boot IMAGE`: does the image boot? Exit 0 when the console shows a login prompt (or --marker).
import type { Command } from 'commander';
import { ARCHES, parseArch } from '../arch.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import { bootTest } from '../vm/boot-test.js';
import type { AccelOption } from '../vm/accel.js';

export function register(program: Command): void {
  program
    .command('boot')
    .description('boot an image in QEMU and wait for a login prompt on its serial console; exit 0 if it comes, 1 if not')
    .argument('<image>', 'the image (qcow2, raw, vmdk, vhd...)')
    .option('--timeout <SECONDS>', 'how long to wait', '600')
    .option('--marker <REGEX>', 'wait for this instead of a login prompt')
    .option('--uefi', 'boot with UEFI firmware (OVMF) instead of BIOS')
    .option('--accel <ACCEL>', 'auto, kvm or tcg', 'auto')
    .option('-a, --arch <ARCH>', `the image's architecture: ${ARCHES.join(', ')} (arm64 boots with UEFI, AAVMF)`, 'amd64')
    .option('--memsize <MiB>', 'memory in MiB', '1024')
    .option('--console', 'copy the console output to stderr')
    .action(async (image: string, o: { timeout: string; marker?: string; uefi?: boolean; accel: string; arch: string; memsize: string; console?: boolean }) => {
      if (!['auto', 'kvm', 'tcg'].includes(o.accel)) throw new UsageError(`--accel ${o.accel}: must be auto, kvm or tcg`);
      const arch = parseArch(o.arch);
      if (!arch) throw new UsageError(`--arch ${o.arch}: kiln cannot boot that architecture`, { hint: `architectures kiln can boot: ${ARCHES.join(', ')}` });
      const logger = createLogger();
      const r = await bootTest({
        image,
        accel: o.accel as AccelOption,
        timeoutMs: Number(o.timeout) * 1000,
        marker: o.marker,
        uefi: o.uefi,
        arch,
        memoryMiB: Number(o.memsize),
        logger,
        onConsole: o.console ? (c) => process.stderr.write(c) : undefined,
      });
      if (r.ok) {
        logger.info(`${image} booted: ${o.marker ? 'marker seen' : 'login prompt'} after ${(r.elapsedMs / 1000).toFixed(1)}s`);
        return;
      }
      logger.warn(`${image} did not reach ${o.marker ? `/${o.marker}/` : 'a login prompt'} within ${o.timeout}s; last console lines:\n  ${r.console.trim().split('\n').slice(-15).join('\n  ')}`);
      process.exitCode = 1;
    });
}
