// `kiln boot IMAGE`: does the image boot? Exit 0 when the console shows a login prompt (or --marker), 1 when not.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ARCHES, hostArch, parseArch, type Arch } from '../arch.js';
import { KilnError, UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import { memsize } from '../options.js';
import { parseAccel } from '../vm/accel.js';
import { bootTest } from '../vm/boot-test.js';
import { statusAction, type ExitStatus } from './status.js';

interface BootOptions {
  timeout: string;
  marker?: string;
  uefi?: boolean;
  bios?: boolean;
  arch?: string;
  accel: string;
  memsize: string;
  console?: boolean;
}

export function register(program: Command, status: ExitStatus): void {
  program
    .command('boot')
    .description('boot an image in QEMU and wait for a login prompt on its serial console; exit 0 if it comes, 1 if not')
    .argument('<image>', 'the image (qcow2, raw, vmdk, vhd...)')
    .option('--timeout <SECONDS>', 'how long to wait', '600')
    .option('--marker <REGEX>', 'wait for this (a regular expression) instead of a login prompt')
    .option('--uefi', 'boot with UEFI firmware (OVMF); default: UEFI when the image can boot no other way (an ESP and no BIOS boot partition, or 4K sectors)')
    .option('--bios', 'boot with the BIOS even if the image has an ESP')
    .option('--accel <ACCEL>', 'auto, kvm or tcg', 'auto')
    .option('-a, --arch <ARCH>', `the image's architecture: ${ARCHES.join(', ')} (arm64 boots with UEFI, AAVMF); default: what NAME.d/kiln-manifest.json next to the image says, else this host's`)
    .option('--memsize <MiB>', 'memory in MiB', '1024')
    .option('--console', 'copy the console output to stderr')
    .action(
      statusAction(status, async (image: string, o: BootOptions) => {
        const timeout = Number(o.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout ${o.timeout}: give a number of seconds above 0`);
        const marker = o.marker === undefined ? undefined : pattern(o.marker);
        if (o.uefi && o.bios) throw new UsageError('--uefi and --bios: choose one');
        const arch = o.arch === undefined ? imageArch(image) : parseArch(o.arch);
        if (!arch) throw new UsageError(`--arch ${o.arch}: kiln cannot boot that architecture`, { hint: `architectures kiln can boot: ${ARCHES.join(', ')}` });
        const logger = createLogger();
        const r = await bootTest({
          image,
          accel: parseAccel(o.accel),
          timeoutMs: timeout * 1000,
          marker,
          uefi: o.uefi ? true : o.bios ? false : undefined,
          arch,
          memoryMiB: memsize(o.memsize),
          logger,
          onConsole: o.console ? (c) => process.stderr.write(c) : undefined,
        });
        if (r.ok) {
          logger.info(`${image} booted: ${o.marker ? 'marker seen' : 'login prompt'} after ${(r.elapsedMs / 1000).toFixed(1)}s`);
          return 0;
        }
        if (r.ended && r.ended.exitCode !== 0) {
          throw new KilnError(`QEMU stopped (status ${r.ended.exitCode ?? 'killed'}) before ${image} reached ${o.marker ? `/${o.marker}/` : 'a login prompt'}${r.ended.stderr ? `:\n  ${r.ended.stderr.split('\n').slice(-5).join('\n  ')}` : ''}`, {
            hint: 'is it a disk image QEMU can boot (qemu-img info IMAGE)?',
          });
        }
        if (r.ended) {
          logger.warn(`${image} powered off after ${(r.elapsedMs / 1000).toFixed(1)}s without reaching ${o.marker ? `/${o.marker}/` : 'a login prompt'}; last console lines:\n  ${r.console.trim().split('\n').slice(-15).join('\n  ')}`);
          return 1;
        }
        logger.warn(`${image} did not reach ${o.marker ? `/${o.marker}/` : 'a login prompt'} within ${o.timeout}s; last console lines:\n  ${r.console.trim().split('\n').slice(-15).join('\n  ')}`);
        return 1;
      }),
    );
}

/** The architecture kiln recorded for the image it built (NAME.d/kiln-manifest.json), else this host's. */
function imageArch(image: string): Arch | undefined {
  const manifest = join(dirname(image), `${basename(image).replace(/\.[^.]+$/, '')}.d`, 'kiln-manifest.json');
  try {
    return parseArch((JSON.parse(readFileSync(manifest, 'utf8')) as { arch?: string }).arch ?? '') ?? hostArch();
  } catch {
    return hostArch();
  }
}

/** --marker as the regular expression it is, or a usage error that says why it is not one. */
function pattern(text: string): RegExp {
  try {
    return new RegExp(text, 'm');
  } catch (e) {
    throw new UsageError(`--marker ${text}: not a regular expression (${(e as Error).message})`, { hint: 'escape special characters with \\, e.g. --marker "\\(ready\\)"' });
  }
}
