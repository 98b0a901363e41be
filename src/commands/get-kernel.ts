// `kiln get-kernel IMAGE` (disk-image-get-kernel): the kernel and initrd of a built image,
// read inside the appliance (the host needs no root and no loop devices). The files appear in
// the output dir only once both are out whole.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { access, mkdir, rename, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import { madeDirs, removeMadeDirs, removeMadeDirsOnInterrupt } from '../build/publish.js';
import { findKernelScript } from '../guest/kernel.js';
import { checkImageFile } from '../host/image-file.js';
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
        await checkImageFile(image);
        const accel = parseAccel(o.accel);
        // the whole backing chain: a missing backing file is named now, not by QEMU in the appliance
        const chain = JSON.parse((await run('qemu-img', ['info', '--backing-chain', '--output=json', image], { what: `read ${image}` })).stdout) as { format: string }[];
        const info = chain[0]!;
        const dir = resolve(o.dir);
        const made = await outputDir(dir, o.dir);
        const prefix = o.prefix ?? basename(image).replace(/\.[^.]+$/, '');
        const logger = createLogger();
        let ok = false;
        const tmp = await makeScratchDir(dir, '.kiln-get-kernel-').catch(async (e: unknown) => {
          removeMadeDirs(made);
          throw e;
        });
        const forgetMadeDirs = removeMadeDirsOnInterrupt(made);
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
          ok = true;
        } finally {
          await tmp.remove();
          if (!ok) removeMadeDirs(made);
          forgetMadeDirs();
        }
      }),
    );
}

/** -d DIR: made if missing (the dirs made are returned, to go again if nothing comes of it), a directory kiln can write. */
async function outputDir(dir: string, given: string): Promise<string[]> {
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new UsageError(`-d ${given}: not a directory`, { hint: 'give the directory the kernel and initrd go to' });
  let made: string[] = [];
  try {
    const first = await mkdir(dir, { recursive: true });
    if (first) made = madeDirs(first, dir);
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    removeMadeDirs(made);
    throw new UsageError(`-d ${given}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { hint: 'choose a directory you can write to', cause: e });
  }
  return made;
}
