// `kiln build`: virt-dib's options with DIB's spellings of the same things.
import { Command, Option } from 'commander';
import { openSync } from 'node:fs';
import { build } from '../build/index.js';
import { UsageError } from '../errors.js';
import { consoleSink, fileSink, loggerOf, teeSink } from '../log.js';
import { buildOptionsFrom } from '../options.js';
import { runImageFile } from './diskimage-builder.js';
import { formatNames } from '../outputs/index.js';
import { statusAction, type ExitStatus } from './status.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildCommand(status: ExitStatus, name = 'build'): Command {
  return new Command(name)
    .description('build a disk image from diskimage-builder elements; every privileged step runs in the appliance VM')
    .argument('[element...]', 'elements to build from (with their dependencies)')
    .option('-o, --name <NAME>', 'image name: writes NAME.qcow2 (or NAME.<format>) and NAME.d/')
    .option('-t, --formats <FORMATS>', `output formats, comma separated: ${formatNames().join(', ')}`, collect)
    .option('-p, --element-path <DIR>', 'look for elements here first (repeatable; colon lists too), then in ELEMENTS_PATH, then the built-in elements', collect)
    .option('-n, --skip-base', 'do not add the base element')
    .option('--exclude-element <ELEMENT>', 'drop an element after dependencies are expanded (repeatable)', collect)
    .option('--exclude-script <SCRIPT>', 'do not run scripts of this name in any phase (repeatable)', collect)
    .option('--size, --image-size <SIZE>', 'image size (e.g. 4G); default: the tree size / 0.6, as DIB')
    .option('--image-extra-size <SIZE>', 'add this to the tree size instead of the default margin')
    .option('--fs-type <TYPE>', 'root filesystem: ext4 (default), ext3, ext2, xfs, vfat')
    .option('--root-label <LABEL>', 'root filesystem label (default cloudimg-rootfs, img-rootfs on xfs)')
    .option('--mkfs-options <OPTIONS>', 'extra options for the root mkfs')
    .option('--mkfs-journal-size <MiB>', "the ext4 root's journal size in MiB (default 64, as DIB)")
    .option('--max-online-resize <BLOCKS>', 'the most filesystem blocks the ext root can be grown to online (mkfs -E resize=)')
    .option('--qemu-img-options <OPTIONS>', 'options for qemu-img convert -o (qcow2, vmdk)')
    .option('--envvar <NAME[=VALUE]>', 'pass NAME (from the host) or NAME=VALUE to the elements; nothing else of the host environment is passed (repeatable)', collect)
    .option('--envvar-secret <NAME[=VALUE]>', 'like --envvar, and the value never appears in logs or NAME.d (repeatable)', collect)
    .option('--dib-env', "also pass the host's DIB_* variables, as disk-image-create does")
    .option('--extra-packages <PKGS>', 'install these packages too (comma separated, repeatable)', collect)
    .option('-a, --arch <ARCH>', "target architecture (only the host's, amd64, for now)")
    .option('-x', 'trace element scripts (bash -x), like DIB')
    .option('--debug <N>', 'debug level: DIB_DEBUG_TRACE for elements, more logging')
    .option('-u, --no-compression', 'do not compress the qcow2 output')
    .option('--checksum', 'write NAME.FORMAT.md5 and .sha256')
    .option('--offline', 'use only the helper drive cache (sets DIB_OFFLINE)')
    .option('--no-network', 'give the appliance no network interface at all')
    .option('--image-cache <DIR>', 'DIB_IMAGE_CACHE for extra-data.d on the host (default: image-cache/ in the kiln cache dir)')
    .option('--install-type <TYPE>', 'DIB_DEFAULT_INSTALLTYPE (source or package)')
    .option('--no-delete-on-failure', 'keep the build directory and partial outputs when the build fails')
    .option('--logfile <FILE>', 'write the full log (every script output line) to FILE')
    .option('--memsize <MiB>', 'appliance memory in MiB', '2048')
    .option('--smp <N>', 'appliance vCPUs (default: the cores kiln may use, within a container’s CPU limit)')
    .option('--accel <ACCEL>', 'auto (KVM if it works, else TCG), kvm or tcg', 'auto')
    .option('--drive <FILE>', 'the helper drive (qcow2) holding the package and image cache')
    .option('--seed <SEED>', 'derive filesystem UUIDs, hash seeds and partition GUIDs from this (reproducible builds)')
    .option('--source-date-epoch <SECONDS>', 'clamp timestamps (default: SOURCE_DATE_EPOCH)')
    .option('--docker-target <REPO:TAG>', 'tag of the docker output (default NAME:latest)')
    .option('-B, --dib-lib <DIR>', "use this DIB lib directory for $_LIB (e.g. diskimage_builder/lib) instead of kiln's own")
    .option('--ramdisk', 'ramdisk mode (ramdisk-image-create): NAME.d/NAME.kernel and NAME.d/NAME.initramfs, no disk image')
    .option('--ramdisk-element <ELEMENT>', 'the element that builds the ramdisk (default ramdisk; dracut-ramdisk); implies --ramdisk')
    .addOption(new Option('--break <POINT>', 'open a shell in the appliance at before-PHASE, after-PHASE or after-error (also break= in the environment)'))
    .option('--machine-readable', 'one JSON event per line on stderr (for CI)')
    .option('--file <FILE>', "build the images of DIB's YAML image file instead (repeatable; as diskimage-builder FILE...)", collect)
    .option('--dry-run', '--file only: print each image\'s command and build nothing')
    .option('--stop-on-failure', '--file only: stop at the first image that fails')
    .addHelpText(
      'after',
      `
Examples:
  kiln build -o debian debian-minimal vm            bootable Debian image, debian.qcow2
  kiln build -o img -t qcow2,tar -p ./elements debian vm my-element
  kiln build -o img --envvar DIB_RELEASE=bookworm --envvar http_proxy debian-minimal vm
  kiln build --file images.yaml                     every image of a DIB image file

Environment: only what --envvar names reaches elements. ELEMENTS_PATH adds element
directories. KILN_CACHE_DIR (default ~/.cache/kiln) holds the appliance and helper drive.`,
    )
    .action(
      statusAction(status, async (elements: string[], raw: Record<string, unknown>, cmd: Command) => {
        if (raw.file || raw.dryRun || raw.stopOnFailure) return imageFileBuild(elements, raw, cmd);
        // the sink first: a usage error is the final event of a --machine-readable stream too
        const debug = !!raw.x || (raw.debug !== undefined && raw.debug !== '0');
        status.sink = consoleSink({ machineReadable: !!raw.machineReadable, debug }).sink;
        const o = buildOptionsFrom(elements, raw);
        // --logfile: plain lines with every line of element output, whatever the terminal shows
        if (o.logfile) status.sink = teeSink(status.sink, fileSink(openLogfile(o.logfile)));
        const r = await build(o, loggerOf(status.sink));
        for (const f of r.outputs) process.stdout.write(`${f}\n`);
      }),
    );
}

/** --file FILE...: the images of DIB's image file; every other option is the file's to give. */
async function imageFileBuild(elements: string[], raw: Record<string, unknown>, cmd: Command): Promise<void> {
  const files = (raw.file as string[] | undefined) ?? [];
  if (files.length === 0) throw new UsageError('--dry-run and --stop-on-failure go with --file', { hint: 'e.g. kiln build --file images.yaml --dry-run' });
  const own = new Set(['file', 'dryRun', 'stopOnFailure']);
  const given = cmd.options.filter((opt) => !own.has(opt.attributeName()) && cmd.getOptionValueSource(opt.attributeName()) === 'cli').map((opt) => opt.long ?? opt.short);
  if (elements.length || given.length) {
    throw new UsageError(`--file takes the images' elements and options from the file, not from the command line (${[...given, ...elements].join(' ')})`, { hint: 'put them in the file, under the image\'s keys' });
  }
  await runImageFile(files, { dryRun: !!raw.dryRun, stopOnFailure: !!raw.stopOnFailure });
}

/** --logfile FILE, opened before the build starts: a path that cannot be written is a usage error now, not a crash later. */
function openLogfile(path: string): number {
  try {
    return openSync(path, 'w', 0o600);
  } catch (e) {
    throw new UsageError(`--logfile ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { hint: 'give a file in a directory that exists and that you can write to' });
  }
}

export function register(program: Command, status: ExitStatus): void {
  program.addCommand(buildCommand(status));
}
