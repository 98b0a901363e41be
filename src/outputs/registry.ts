// Format names as users give them to -t (DIB's and virt-dib's spellings) -> the module that
// writes them, and the file each produces. Naming follows disk-image-create: NAME.qcow2,
// NAME.raw, NAME.vhd, NAME.vmdk, NAME.tar, NAME.tgz, NAME.squash. DIB made no file for
// docker (it ran `docker import`); kiln writes NAME.docker.tar so it never collides with
// the tar format's NAME.tar.
import { UsageError } from '../errors.js';
import { docker } from './docker.js';
import { qcow2 } from './qcow2.js';
import { raw } from './raw.js';
import { squashfs } from './squashfs.js';
import { tar } from './tar.js';
import { tgz } from './tgz.js';
import type { OutputFormat } from './types.js';
import { vhd } from './vhd.js';
import { vmdk } from './vmdk.js';

const FORMATS: readonly OutputFormat[] = [qcow2, raw, vhd, vmdk, tar, tgz, squashfs, docker];

/** Other spellings people use for the same format. */
const ALIASES: Record<string, string> = { 'tar.gz': 'tgz', squash: 'squashfs', vpc: 'vhd', img: 'raw' };

export function formatNames(): string[] {
  return FORMATS.map((f) => f.name);
}

/** The format for a -t name; a UsageError lists the valid ones. */
export function getFormat(name: string): OutputFormat {
  const wanted = ALIASES[name] ?? name;
  const format = FORMATS.find((f) => f.name === wanted);
  if (!format) throw new UsageError(`unknown image type "${name}"`, { hint: `image types: ${formatNames().join(', ')}` });
  return format;
}

/** NAME + the format's extension. */
export function outputFileName(imageName: string, format: OutputFormat | string): string {
  const f = typeof format === 'string' ? getFormat(format) : format;
  return `${imageName}.${f.ext}`;
}

/** DIB: with one image type, "-o foo.qcow2 -t qcow2" names the image foo, not foo.qcow2.qcow2. */
export function imageBaseName(name: string, types: string[]): string {
  if (types.length !== 1) return name;
  // DIB strips ".<type>"; kiln also strips the extension it will add (".squash" for squashfs).
  for (const suffix of [types[0]!, getFormat(types[0]!).ext]) {
    if (name.endsWith(`.${suffix}`) && name.length > suffix.length + 1) return name.slice(0, -suffix.length - 1);
  }
  return name;
}
