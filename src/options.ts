// BuildOptions: what a build needs, validated, from kiln's / virt-dib's / DIB's spellings.
import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { parseEnvvar, userEnvironment, type EnvvarSpec } from './env/envvar.js';
import { checksumKinds, getFormat, imageBaseName, parseDockerTarget, type ChecksumKind, type OutputFormat } from './outputs/index.js';
import { parseBreak } from './elements/phases.js';
import { parseAccel, type AccelOption } from './vm/accel.js';
import { ARCHES, hostArch, parseArch, type Arch } from './arch.js';

export interface BuildOptions {
  elements: string[];
  name: string;
  /** -o made absolute, without the extension of a single -t (DIB's rule): outputs are BASE.<ext> and BASE.d/. */
  imageBase: string;
  /** -t, resolved once: each format's module (aliases resolved, duplicates dropped). */
  formats: OutputFormat[];
  elementPaths: string[];
  skipBase: boolean;
  excludeElements: string[];
  excludeScripts: string[];
  imageSizeGB?: number;
  /** --size as the user wrote it, for messages. */
  imageSizeText?: string;
  imageExtraSizeGB?: number;
  fsType?: string;
  rootLabel?: string;
  mkfsOptions?: string;
  /** --mkfs-journal-size: the ext4 root's journal in MiB (DIB's default 64). */
  journalSizeMiB?: number;
  /** --max-online-resize: the most blocks the ext root can be grown to online (mkfs -E resize=). */
  maxOnlineResize?: number;
  /** --image-cache: DIB_IMAGE_CACHE of extra-data.d on the host (default: kiln's image-cache). */
  imageCache?: string;
  qemuImgOptions?: string;
  envvars: EnvvarSpec[];
  secrets: string[];
  dibEnv: boolean;
  extraPackages: string[];
  /** The target's architecture, Debian's name (ARCH for elements). */
  arch: Arch;
  debug: number;
  compress: boolean;
  /** --checksum (both), else DIB_CHECKSUM's forms from the user's variables: NAME.FORMAT.md5 / .sha256. */
  checksums: ChecksumKind[];
  offline: boolean;
  network: boolean;
  installType: string;
  deleteOnFailure: boolean;
  logfile?: string;
  memsizeMiB: number;
  smp?: number;
  accel: AccelOption;
  machineReadable: boolean;
  breaks: Set<string>;
  drive?: string;
  seed?: string;
  sourceDateEpoch?: number;
  dockerTarget?: string;
  /** -B/--dib-lib: a real DIB lib dir for $_LIB instead of kiln's dib-lib/. */
  dibLib?: string;
  /** --ramdisk: ramdisk-image-create's mode: ramdiskElement added, NAME.kernel + NAME.initramfs instead of a disk image. */
  ramdisk: boolean;
  ramdiskElement: string;
}

/** Raw commander values (strings, arrays, booleans) -> BuildOptions, or a UsageError naming the option. */
export function buildOptionsFrom(elements: string[], o: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): BuildOptions {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const list = (k: string) => ((o[k] as string[] | undefined) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (elements.length === 0) throw new UsageError('no elements given', { hint: 'e.g. kiln build -o debian debian-minimal vm' });
  const name = str('name');
  if (!name) throw new UsageError('-o/--name is required: the name of the image to write', { hint: 'e.g. kiln build -o debian debian-minimal vm' });
  if (o.formats !== undefined && list('formats').length === 0) throw new UsageError('-t/--formats is empty', { hint: 'give one or more image types, e.g. -t qcow2,raw' });
  const names = list('formats').length ? list('formats') : ['qcow2'];
  const formats = [...new Map(names.map((f) => getFormat(f)).map((f) => [f.name, f])).values()]; // getFormat throws a UsageError listing the valid names
  const imageBase = imageBaseName(resolve(name), names);
  if (formats.some((f) => f.name === 'docker')) parseDockerTarget(str('dockerTarget') ?? `${basename(imageBase)}:latest`);
  // DIB's spellings and Debian's; elements see Debian's (debootstrap --arch, binary-ARCH), as DIB's own mapping gives
  const arch = parseArch(str('arch') ?? hostArch() ?? 'amd64');
  if (!arch) throw new UsageError(`--arch ${str('arch')}: kiln cannot build for that architecture`, { hint: `architectures kiln can build (on any host, without binfmt): ${ARCHES.join(', ')} (also spelled x86_64, aarch64)` });
  const accel = parseAccel(str('accel') ?? 'auto', '--accel');
  const fsType = str('fsType');
  if (fsType && !['ext2', 'ext3', 'ext4', 'xfs', 'vfat'].includes(fsType)) throw new UsageError(`--fs-type ${fsType}: kiln makes ext2, ext3, ext4, xfs or vfat`);
  const epoch = str('sourceDateEpoch') ?? (env.SOURCE_DATE_EPOCH || undefined);
  const debug = o.x ? Math.max(1, num(str('debug') ?? '1', '--debug')) : num(str('debug') ?? '0', '--debug');
  const installType = str('installType') ?? 'source';
  if (!INSTALL_TYPES.includes(installType)) throw new UsageError(`--install-type ${installType}: DIB knows source and package`, { hint: 'DIB_DEFAULT_INSTALLTYPE: source (from git) or package (from the distribution)' });
  const secrets = list('envvarSecret');
  const envvars = [...((o.envvar as string[] | undefined) ?? []).map((v) => parseEnvvar(v)), ...secrets.map((v) => parseEnvvar(v, '--envvar-secret'))];
  return {
    elements,
    name,
    imageBase,
    formats,
    elementPaths: (o.elementPath as string[] | undefined) ?? [],
    skipBase: !!o.skipBase,
    excludeElements: list('excludeElement'),
    excludeScripts: list('excludeScript'),
    // given empty is given wrong, not left out
    imageSizeGB: str('imageSize') !== undefined ? positiveSize(str('imageSize')!, '--size') : undefined,
    imageSizeText: str('imageSize'),
    imageExtraSizeGB: str('imageExtraSize') !== undefined ? size(str('imageExtraSize')!, '--image-extra-size') : undefined,
    fsType,
    // DIB reads ROOT_LABEL from its environment as --root-label
    rootLabel: str('rootLabel') ?? (userEnvironment(envvars, env, !!o.dibEnv).ROOT_LABEL || undefined),
    mkfsOptions: str('mkfsOptions'),
    journalSizeMiB: str('mkfsJournalSize') ? wholeNumber(str('mkfsJournalSize')!, '--mkfs-journal-size') : undefined,
    maxOnlineResize: str('maxOnlineResize') ? wholeNumber(str('maxOnlineResize')!, '--max-online-resize') : undefined,
    imageCache: str('imageCache') ? resolve(str('imageCache')!) : undefined,
    qemuImgOptions: str('qemuImgOptions'),
    envvars,
    secrets: secrets.map((s) => parseEnvvar(s, '--envvar-secret').name),
    dibEnv: !!o.dibEnv,
    extraPackages: list('extraPackages'),
    arch,
    debug,
    compress: o.compression !== false,
    checksums: o.checksum ? ['md5', 'sha256'] : checksumKinds(userEnvironment(envvars, env, !!o.dibEnv).DIB_CHECKSUM),
    offline: !!o.offline,
    network: o.network !== false,
    installType,
    deleteOnFailure: o.deleteOnFailure !== false,
    logfile: str('logfile'),
    memsizeMiB: memsize(str('memsize') ?? '2048'),
    smp: str('smp') !== undefined ? smp(str('smp')!) : undefined,
    accel,
    machineReadable: !!o.machineReadable,
    breaks: str('break') !== undefined ? parseBreak(str('break')) : parseBreak(env.break, 'break'),
    drive: str('drive'),
    seed: str('seed'),
    sourceDateEpoch: epoch !== undefined ? num(epoch, str('sourceDateEpoch') !== undefined ? '--source-date-epoch' : 'SOURCE_DATE_EPOCH') : undefined,
    dockerTarget: str('dockerTarget'),
    dibLib: str('dibLib') !== undefined ? dibLibDir(str('dibLib')!) : undefined,
    ramdisk: !!o.ramdisk || str('ramdiskElement') !== undefined,
    ramdiskElement: str('ramdiskElement') ?? 'ramdisk',
  };
}

/** -B DIR: a directory with DIB's shell library (common-functions, die, ...), absolute. */
export function dibLibDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'common-functions')) || !existsSync(join(abs, 'die'))) {
    throw new UsageError(`-B/--dib-lib ${dir}: no DIB library there (common-functions and die are missing)`, {
      hint: "give diskimage-builder's lib directory, e.g. /usr/lib/python3/dist-packages/diskimage_builder/lib",
    });
  }
  return abs;
}

/** A size that an image can have: above zero. */
function positiveSize(text: string, option: string): number {
  const gb = size(text, option);
  if (gb <= 0) throw new UsageError(`${option} ${text}: an image needs a size above zero`, { hint: 'give a size like 4G, or leave it out to size the image from its tree' });
  return gb;
}

/** "2", "2G", "2048M", "10GB" -> GB. */
export function size(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${option} ${text}: not a size`, { hint: 'give a size like 4G, 4096M or 4 (GB)' });
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toUpperCase();
  const factor = { '': 1, K: 1 / (1024 * 1024), M: 1 / 1024, G: 1, T: 1024 }[unit] ?? 1;
  return n * factor;
}

/** The appliance's memory: enough for its kernel and a build's tmpfs, no more than this host has. */
export function memsize(text: string, option = '--memsize', min = MIN_MEMSIZE_MIB): number {
  const n = num(text, option);
  const host = Math.floor(totalmem() / 1024 ** 2);
  if (!Number.isInteger(n) || n < min || n > host) throw new UsageError(`${option} ${text}: give whole MiB from ${min} to ${host} (this host's memory)`, { hint: `e.g. ${option} 2048` });
  return n;
}

/** The appliance's vCPUs: at least one, at most twice this host's cores (more only slows emulation). */
export function smp(text: string, option = '--smp'): number {
  const n = num(text, option);
  const max = availableParallelism() * 2;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${option} ${text}: give a whole number of vCPUs from 1 to ${max} (twice this host's ${availableParallelism()} cores)`);
  return n;
}

/** A count DIB takes as a whole number above zero (journal MiB, filesystem blocks). */
export function wholeNumber(text: string, option: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} ${text}: give a whole number above zero`);
  return n;
}

/** DIB_DEFAULT_INSTALLTYPE's values (DIB's source-repositories and package-installs read them). */
const INSTALL_TYPES = ['source', 'package'];

/** Below this the appliance's kernel cannot unpack its initramfs and start the channel. */
export const MIN_MEMSIZE_MIB = 256;

function num(text: string, option: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${option} ${text}: not a number`);
  return n;
}

