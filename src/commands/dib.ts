// `kiln dib` and `kiln ramdisk`: disk-image-create's and ramdisk-image-create's own
// spellings (and, as the disk-image-create / ramdisk-image-create executables, their
// names), so an existing script or caller (nodepool-builder, Zuul's build-diskimage,
// ironic-python-agent-builder) runs kiln unchanged. Differences from `kiln build`: -p is a
// package list; DIB_* variables of the environment reach elements as disk-image-create passes
// them (-c: nothing of the caller's environment does); and the settings DIB reads from its
// environment (FS_TYPE, ROOT_LABEL, DIB_IMAGE_SIZE, ...) count as their options.
// ramdisk-image-create is disk-image-create in ramdisk mode (DIB tells them apart by the
// script's name): the --ramdisk-element (default ramdisk) added, a kernel and an initramfs
// instead of an image.
import { Command } from 'commander';
import { buildCommand } from './build.js';
import type { ExitStatus } from './status.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
/** -x -x: DIB counts its -x (DIB_DEBUG_TRACE). */
const count = (_v: unknown, prev: number) => prev + 1;

type Raw = Record<string, string | string[] | boolean | number | undefined>;

/**
 * DIB's long options that `kiln build` spells the same: declared on `kiln dib`/`kiln
 * ramdisk` and passed through as given, from this one list. `env`: the variable DIB reads
 * when the option is not given (disk-image-create exports each option as it).
 */
const SHARED_OPTIONS: { flags: string; key: string; env?: string; help?: string }[] = [
  { flags: '--image-size <SIZE>', key: 'imageSize', env: 'DIB_IMAGE_SIZE' },
  { flags: '--image-extra-size <SIZE>', key: 'imageExtraSize', env: 'DIB_IMAGE_EXTRA_SIZE' },
  { flags: '--image-cache <DIR>', key: 'imageCache', env: 'DIB_IMAGE_CACHE', help: 'DIB_IMAGE_CACHE for extra-data.d on the host (in the appliance the helper drive is the cache)' },
  { flags: '--max-online-resize <BLOCKS>', key: 'maxOnlineResize', env: 'MAX_ONLINE_RESIZE' },
  { flags: '--mkfs-journal-size <MiB>', key: 'mkfsJournalSize', env: 'DIB_JOURNAL_SIZE' },
  { flags: '--mkfs-options <OPTS>', key: 'mkfsOptions' },
  { flags: '--qemu-img-options <OPTS>', key: 'qemuImgOptions' },
  { flags: '--root-label <LABEL>', key: 'rootLabel', env: 'ROOT_LABEL' },
  { flags: '--install-type <TYPE>', key: 'installType', env: 'DIB_DEFAULT_INSTALLTYPE' },
  { flags: '--docker-target <TARGET>', key: 'dockerTarget' },
  { flags: '--checksum', key: 'checksum' },
  { flags: '--offline', key: 'offline', env: 'DIB_OFFLINE' },
  { flags: '--logfile <FILE>', key: 'logfile' },
  { flags: '-B, --dib-lib <DIR>', key: 'dibLib', help: "kiln: use this DIB lib directory for $_LIB instead of kiln's own" },
];

/** '-B, --dib-lib <DIR>' -> '--dib-lib' */
const longFlag = (flags: string) => /--[\w-]+/.exec(flags)![0];

/**
 * DIB's options (and its environment, `env`) -> `kiln build` argv (pure; tested as data).
 * With -c the environment counts for nothing, as DIB's re-exec with a cleared environment.
 */
export function dibArgv(elements: string[], o: Raw, mode: 'disk' | 'ramdisk', env: NodeJS.ProcessEnv = {}): string[] {
  const clear = !!o.c;
  const argv = clear ? [] : ['--dib-env'];
  const fromEnv = (name?: string) => (clear || !name ? undefined : env[name] || undefined);
  const pass = (flag: string, v: unknown) => {
    if (typeof v === 'string') argv.push(flag, v);
    else if (v === true) argv.push(flag);
  };
  pass('-a', o.a ?? fromEnv('ARCH'));
  pass('-o', o.o ?? 'image');
  pass('-t', o.t);
  const trace = typeof o.x === 'number' ? o.x : 0;
  if (trace > 0) argv.push('--debug', String(trace));
  if (o.u) argv.push('-u');
  // -n and -p in both modes: DIB's help hides them for ramdisk-image-create, its code honours them
  pass('-n', o.n);
  for (const p of (o.p as string[] | undefined) ?? []) argv.push('--extra-packages', p);
  if (mode === 'ramdisk') {
    argv.push('--ramdisk');
    pass('--ramdisk-element', o.ramdiskElement ?? fromEnv('RAMDISK_ELEMENT'));
  }
  pass('--fs-type', fromEnv('FS_TYPE'));
  for (const { flags, key, env: name } of SHARED_OPTIONS) {
    const v = o[key] ?? fromEnv(name);
    // DIB_OFFLINE is a switch: any value but empty (DIB tests -z)
    pass(longFlag(flags), key === 'offline' && typeof v === 'string' ? true : v);
  }
  return [...argv, ...elements];
}

function dibCommand(status: ExitStatus, name: 'dib' | 'ramdisk', description: string): Command {
  const build = buildCommand(status, `${name}-internal`);
  const cmd = new Command(name)
    .description(description)
    .argument('[element...]', 'elements to build from (at least one operating-system element)')
    .option('-a <ARCH>', 'architecture')
    .option('-o <NAME>', 'image name (default image)')
    .option('-t <TYPES>', 'image types, comma separated')
    .option('-x', 'trace element scripts; -x -x traces more (DIB_DEBUG_TRACE)', count, 0)
    .option('-u', 'uncompressed qcow2')
    .option('-c', "clear the environment: nothing of the caller's environment reaches the elements (kiln build's own rule)")
    .option('-n', 'skip the base element')
    .option('-p <PACKAGES>', 'extra packages, comma separated (repeatable)', collect);
  for (const { flags, help } of SHARED_OPTIONS) cmd.option(flags, help);
  return cmd
    .option('--ramdisk-element <ELEMENT>', 'the element that builds the ramdisk (ramdisk mode only, as DIB)')
    .option('--no-tmpfs', 'accepted for compatibility (the build runs in the appliance)')
    .option('--min-tmpfs <GB>', 'accepted for compatibility')
    .action(async (elements: string[], o: Raw) => {
      // the inner build command sets the exit status itself
      await build.parseAsync(dibArgv(elements, o, name === 'dib' ? 'disk' : 'ramdisk', process.env), { from: 'user' });
    });
}

export function register(program: Command, status: ExitStatus): void {
  program.addCommand(dibCommand(status, 'dib', "disk-image-create compatible: DIB's options and environment (DIB_* passed through), -p is a package list"));
  program.addCommand(dibCommand(status, 'ramdisk', 'ramdisk-image-create compatible: a kernel and an initramfs (NAME.d/NAME.kernel, NAME.d/NAME.initramfs)'));
}
