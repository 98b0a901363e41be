// `kiln dib` and `kiln ramdisk`: disk-image-create's and ramdisk-image-create's own
// spellings, so an existing script switches by changing one word. Differences from
// `kiln build`: -p is a package list, and DIB_* variables of the environment are passed to
// elements as disk-image-create passes them. ramdisk-image-create is disk-image-create in
// ramdisk mode (DIB 3.13 tells them apart by the script's name): no -n, no -p, the
// --ramdisk-element (default ramdisk) added, a kernel and an initramfs instead of an image.
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildCommand } from './build.js';
import type { ExitStatus } from './status.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

type Raw = Record<string, string | string[] | boolean | undefined>;

/**
 * DIB's long options that `kiln build` spells the same: declared on `kiln dib`/`kiln
 * ramdisk` and passed through as given, from this one list.
 */
const SHARED_OPTIONS: { flags: string; key: string; help?: string }[] = [
  { flags: '--image-size <SIZE>', key: 'imageSize' },
  { flags: '--image-extra-size <SIZE>', key: 'imageExtraSize' },
  { flags: '--mkfs-options <OPTS>', key: 'mkfsOptions' },
  { flags: '--qemu-img-options <OPTS>', key: 'qemuImgOptions' },
  { flags: '--root-label <LABEL>', key: 'rootLabel' },
  { flags: '--install-type <TYPE>', key: 'installType' },
  { flags: '--docker-target <TARGET>', key: 'dockerTarget' },
  { flags: '--checksum', key: 'checksum' },
  { flags: '--offline', key: 'offline' },
  { flags: '--logfile <FILE>', key: 'logfile' },
  { flags: '-B, --dib-lib <DIR>', key: 'dibLib', help: "kiln: use this DIB lib directory for $_LIB instead of kiln's own" },
];

/** '-B, --dib-lib <DIR>' -> '--dib-lib' */
const longFlag = (flags: string) => /--[\w-]+/.exec(flags)![0];

/** DIB's options -> `kiln build` argv (pure; tested as data). */
export function dibArgv(elements: string[], o: Raw, mode: 'disk' | 'ramdisk'): string[] {
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
  if (mode === 'disk') {
    pass('-n', o.n);
    for (const p of (o.p as string[] | undefined) ?? []) argv.push('--extra-packages', p);
  } else {
    if (o.n || o.p) throw new UsageError('ramdisk-image-create has no -n or -p', { hint: 'use kiln build --ramdisk for those' });
    argv.push('--ramdisk');
    pass('--ramdisk-element', o.ramdiskElement);
  }
  for (const { flags, key } of SHARED_OPTIONS) pass(longFlag(flags), o[key]);
  return [...argv, ...elements];
}

function dibCommand(status: ExitStatus, name: 'dib' | 'ramdisk', description: string): Command {
  const build = buildCommand(status, `${name}-internal`);
  const cmd = new Command(name)
    .description(description)
    .argument('<element...>')
    .option('-a <ARCH>', 'architecture')
    .option('-o <NAME>', 'image name')
    .option('-t <TYPES>', 'image types, comma separated')
    .option('-x', 'trace')
    .option('-u', 'uncompressed qcow2');
  if (name === 'dib') {
    cmd.option('-n', 'skip the base element').option('-p <PACKAGES>', 'extra packages, comma separated', collect);
  }
  for (const { flags, help } of SHARED_OPTIONS) cmd.option(flags, help);
  return cmd
    .option('--ramdisk-element <ELEMENT>', 'the element that builds the ramdisk (ramdisk mode only, as DIB)')
    .option('--no-tmpfs', 'accepted for compatibility (the build runs in the appliance)')
    .option('--min-tmpfs <GB>', 'accepted for compatibility')
    .option('--image-cache <DIR>', 'accepted for compatibility (kiln caches on its helper drive)')
    .action(async (elements: string[], o: Raw) => {
      // the inner build command sets the exit status itself
      await build.parseAsync(dibArgv(elements, o, name === 'dib' ? 'disk' : 'ramdisk'), { from: 'user' });
    });
}

export function register(program: Command, status: ExitStatus): void {
  program.addCommand(dibCommand(status, 'dib', "disk-image-create compatible: DIB's options and environment (DIB_* passed through), -p is a package list"));
  program.addCommand(dibCommand(status, 'ramdisk', 'ramdisk-image-create compatible: a kernel and an initramfs (NAME.d/NAME.kernel, NAME.d/NAME.initramfs)'));
}
