// `kiln get-kernel IMAGE` (disk-image-get-kernel): the kernel and initrd of a built image,
// read inside the appliance (the host needs no root and no loop devices).
import type { Command } from 'commander';
import { mkdir, rename, rm, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import { devBySerial } from '../phases/guest-steps.js';
import { run } from '../vm/exec.js';
import { withAppliance } from '../vm/session.js';
import type { AccelOption } from '../vm/accel.js';

/** Mount each partition (or the whole disk) read-only until one has /boot/vmlinuz-*; copy the newest out. */
export function findKernelScript(serial: string, outDir: string): string {
  return `set -e
${devBySerial}disk=$(dev_by_serial ${serial})
mkdir -p /run/kiln/img ${outDir}
for part in $(ls "$disk"?* 2>/dev/null) "$disk"; do
  mount -o ro,noload "$part" /run/kiln/img 2>/dev/null || mount -o ro "$part" /run/kiln/img 2>/dev/null || continue
  k=$(ls /run/kiln/img/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
  if [ -n "$k" ]; then
    v=\${k#/run/kiln/img/boot/vmlinuz-}
    cp "$k" ${outDir}/vmlinuz
    [ -e /run/kiln/img/boot/initrd.img-$v ] && cp /run/kiln/img/boot/initrd.img-$v ${outDir}/initrd
    echo "$v"
    umount /run/kiln/img
    exit 0
  fi
  umount /run/kiln/img
done
echo "no /boot/vmlinuz-* in any filesystem of the image" >&2
exit 1
`;
}

export function register(program: Command): void {
  program
    .command('get-kernel')
    .description('extract the kernel and initrd from a built image (qcow2, raw...) without root, like disk-image-get-kernel')
    .argument('<image>')
    .option('-d, --dir <DIR>', 'where to write them', '.')
    .option('-o, --prefix <PREFIX>', 'file name prefix: PREFIX-vmlinuz, PREFIX-initrd (default: the image name)')
    .option('--accel <ACCEL>', 'auto, kvm or tcg', 'auto')
    .action(async (image: string, o: { dir: string; prefix?: string; accel: string }) => {
      if (!existsSync(image)) throw new UsageError(`${image}: no such image`);
      const info = JSON.parse((await run('qemu-img', ['info', '--output=json', image], { what: `read ${image}` })).stdout) as { format: string };
      const prefix = o.prefix ?? basename(image).replace(/\.[^.]+$/, '');
      const dir = resolve(o.dir);
      await mkdir(dir, { recursive: true });
      const logger = createLogger();
      const tmp = await mkdtemp(join(dir, '.kiln-get-kernel-'));
      try {
        const version = await withAppliance(
          { logger, accel: o.accel as AccelOption, drives: [{ file: resolve(image), serial: 'kiln-image', format: info.format as 'raw' | 'qcow2', readonly: true }] },
          async (vm) => {
            const r = await vm.exec('bash -s', { stdin: findKernelScript('kiln-image', '/run/kiln/out') });
            if (r.exitCode !== 0) throw new KilnError(`${image}: ${r.stderr.trim() || 'no kernel found'}`, { hint: 'is it an image with a kernel in /boot (e.g. built with the vm or baremetal element)?' });
            await vm.getTree('/run/kiln/out', tmp);
            return r.stdout.trim();
          },
        );
        for (const f of ['vmlinuz', 'initrd']) {
          if (existsSync(join(tmp, f))) {
            await rename(join(tmp, f), join(dir, `${prefix}-${f}`));
            process.stdout.write(`${join(dir, `${prefix}-${f}`)}\n`);
          }
        }
        logger.info(`kernel ${version}`);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
}
