// `kiln dib`: disk-image-create's own spellings, so an existing script switches by changing
// one word. Differences from `kiln build`: -p is a package list, and DIB_* variables of the
// environment are passed to elements as disk-image-create passes them.
import { Command } from 'commander';
import { buildCommand } from './build.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const build = buildCommand('dib-internal');
  program
    .command('dib')
    .description("disk-image-create compatible: DIB's options and environment (DIB_* passed through), -p is a package list")
    .argument('<element...>')
    .option('-a <ARCH>', 'architecture')
    .option('-o <NAME>', 'image name')
    .option('-t <TYPES>', 'image types, comma separated')
    .option('-x', 'trace')
    .option('-u', 'uncompressed qcow2')
    .option('-n', 'skip the base element')
    .option('-p <PACKAGES>', 'extra packages, comma separated', collect)
    .option('--image-size <SIZE>')
    .option('--image-extra-size <SIZE>')
    .option('--mkfs-options <OPTS>')
    .option('--qemu-img-options <OPTS>')
    .option('--root-label <LABEL>')
    .option('--install-type <TYPE>')
    .option('--docker-target <TARGET>')
    .option('--checksum')
    .option('--offline')
    .option('--logfile <FILE>')
    .option('--no-tmpfs', 'accepted for compatibility (the build runs in the appliance)')
    .option('--min-tmpfs <GB>', 'accepted for compatibility')
    .option('--image-cache <DIR>', 'accepted for compatibility (kiln caches on its helper drive)')
    .action(async (elements: string[], o: Record<string, string | string[] | boolean | undefined>) => {
      const argv = ['--dib-env'];
      const pass = (flag: string, v: unknown) => {
        if (typeof v === 'string') argv.push(flag, v);
        else if (v === true) argv.push(flag);
      };
      pass('-a', o.a);
      pass('-o', o.o ?? 'image');
      pass('-t', o.t);
      pass('-x', o.x);
      if (o.u) argv.push('-u');
      pass('-n', o.n);
      for (const p of (o.p as string[] | undefined) ?? []) argv.push('--extra-packages', p);
      pass('--image-size', o.imageSize);
      pass('--image-extra-size', o.imageExtraSize);
      pass('--mkfs-options', o.mkfsOptions);
      pass('--qemu-img-options', o.qemuImgOptions);
      pass('--root-label', o.rootLabel);
      pass('--install-type', o.installType);
      pass('--docker-target', o.dockerTarget);
      pass('--checksum', o.checksum);
      pass('--offline', o.offline);
      pass('--logfile', o.logfile);
      await build.parseAsync([...argv, ...elements], { from: 'user' });
    });
}
