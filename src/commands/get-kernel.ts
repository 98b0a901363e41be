// `kiln get-kernel IMAGE` (disk-image-get-kernel): the kernel and initrd of a built image,
// read inside the appliance (the host needs no root and no loop devices). The files appear in
// the output dir only once both are out whole.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { access, mkdir, rename } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import { findKernelScript } from '../guest/kernel.js';
import { guestPaths } from '../guest/paths.js';
import { run } from '../host/run.js';
import { makeScratchDir } from '../host/scratch.js';
import { createLogger } from '../log.js';
import { parseAccel } from '../vm/accel.js';
import { withAppliance } from './session.js';
import { statusAction, type ExitStatus } from './status.js';

export function register(program: Command, status: ExitStatus): void {
  program
    .command('get-kernel')
    .description('extract the kernel and initrd from a built image (qcow2, raw...) without root, like disk-image-get-kernel')
    .argument('[image]')
    .option('-i, --image <IMAGE>', 'the image, as disk-image-get-kernel takes it (instead of the argument)')
    .option('-d, --dir <DIR>', 'where to write them', '.')
    .option('-o, --prefix <PREFIX>', 'file name prefix: PREFIX-vmlinuz, PREFIX-initrd (default: the image name)')
    .option('-x', 'accepted for compatibility (disk-image-get-kernel\'s tracing)')
    .option('--accel <ACCEL>', 'auto, kvm or tcg', 'auto')
    .action(
      statusAction(status, async (arg: string | undefined, o: { image?: string; dir: string; prefix?: string; accel: string }) => {
        if (arg && o.image && arg !== o.image) throw new UsageError(`two images given: ${o.image} (-i) and ${arg}`);
        const image = arg ?? o.image;
        if (!image) throw new UsageError('no image given', { hint: 'kiln get-kernel IMAGE, or disk-image-get-kernel -i IMAGE' });
        if (!existsSync(image) || !statSync(image).isFile()) throw new UsageError(`${image}: no such image file`);
        const accel = parseAccel(o.accel);
        const dir = resolve(o.dir);
        await mkdir(dir, { recursive: true }).catch(() => {});
        await access(dir, constants.W_OK).catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`-d ${o.dir}: cannot write there (${e.code ?? e.message})`, { hint: 'choose a directory you can write to' });
        });
        const info = JSON.parse((await run('qemu-img', ['info', '--output=json', image], { what: `read ${image}` })).stdout) as { format: string };
        const prefix = o.prefix ?? basename(image).replace(/\.[^.]+$/, '');
        const logger = createLogger();
        const tmp = await makeScratchDir(dir, '.kiln-get-kernel-');
        try {
          const version = await withAppliance(
            { logger, accel, drives: [{ file: resolve(image), serial: 'kiln-image', format: info.format as 'raw' | 'qcow2', readonly: true }] },
            async (vm) => {
              const r = await vm.exec('bash -s', { stdin: findKernelScript('kiln-image', guestPaths.outbox) });
              if (r.exitCode !== 0) throw new KilnError(`${image}: ${r.stderr.trim() || 'no kernel found'}`, { hint: 'is it an image with a kernel in /boot (e.g. built with the vm or baremetal element)?' });
              await vm.getTree(guestPaths.outbox, tmp.path);
              return r.stdout.trim();
            },
          );
          for (const f of ['vmlinuz', 'initrd']) {
            if (!existsSync(join(tmp.path, f))) continue;
            await rename(join(tmp.path, f), join(dir, `${prefix}-${f}`));
            process.stdout.write(`${join(dir, `${prefix}-${f}`)}\n`);
          }
          logger.info(`kernel ${version}`);
        } finally {
          await tmp.remove();
        }
      }),
    );
}
