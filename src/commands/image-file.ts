// DIB's YAML image file (diskimage-builder FILE..., DIB >= 3.30): a list of images, each a map
// of DIB's keys, read the way DIB reads it. An entry without imagename belongs to the image
// before it ("image" for the first); entries of one imagename merge (lists appended, maps
// updated, the rest replaced); each image becomes one disk-image-create (or, with ramdisk:
// true, ramdisk-image-create) command line, its arguments in DIB's key order. Pure: tested
// as data; commands/diskimage-builder.ts runs the commands.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { quote } from '../quote.js';
import { parseYaml } from '../yaml.js';

/** What a key's value is, and how it becomes arguments. */
type Kind =
  | { kind: 'string' } // --key VALUE (nothing when empty)
  | { kind: 'enum'; values: readonly (string | number)[] }
  | { kind: 'int' } // --key N, N >= 1
  | { kind: 'switch' } // --key when true
  | { kind: 'repeat'; max: number } // -x N times
  | { kind: 'list' } // --key a,b (nothing when empty)
  | { kind: 'enum-list'; values: readonly string[] }
  | { kind: 'map-option' } // --key k=v,k2=v2
  | { kind: 'environment' } // the command's environment, no argument
  | { kind: 'mode' } // chooses the command, no argument
  | { kind: 'positional' }; // the elements, last

interface Key {
  key: string;
  /** The argument it becomes; default --KEY. */
  arg?: string;
  type: Kind;
}

const str: Kind = { kind: 'string' };
const int: Kind = { kind: 'int' };
const sw: Kind = { kind: 'switch' };

/** DIB's keys in DIB's order: the order their arguments are written in. */
export const IMAGE_KEYS: readonly Key[] = [
  { key: 'imagename', arg: '-o', type: str },
  { key: 'arch', arg: '-a', type: { kind: 'enum', values: ['aarch64', 'amd64', 'arm64', 'armhf', 'powerpc', 'ppc64', 'ppc64el', 'ppc64le', 's390x', 'x86_64'] } },
  { key: 'types', arg: '-t', type: { kind: 'enum-list', values: ['qcow2', 'tar', 'tgz', 'squashfs', 'vhd', 'docker', 'aci', 'raw'] } },
  { key: 'environment', type: { kind: 'environment' } },
  { key: 'ramdisk', type: { kind: 'mode' } },
  { key: 'debug-trace', arg: '-x', type: { kind: 'repeat', max: 2 } },
  { key: 'uncompressed', arg: '-u', type: sw },
  { key: 'clear', arg: '-c', type: sw },
  { key: 'logfile', type: str },
  { key: 'checksum', type: sw },
  { key: 'image-size', type: int },
  { key: 'image-extra-size', type: int },
  { key: 'image-cache', type: str },
  { key: 'max-online-resize', type: int },
  { key: 'min-tmpfs', type: int },
  { key: 'mkfs-journal-size', type: int },
  { key: 'mkfs-options', type: str },
  { key: 'no-tmpfs', type: sw },
  { key: 'offline', type: sw },
  { key: 'qemu-img-options', type: { kind: 'map-option' } },
  { key: 'root-label', type: str },
  { key: 'ramdisk-element', type: str },
  { key: 'install-type', type: { kind: 'enum', values: ['source', 'package'] } },
  { key: 'docker-target', type: str },
  { key: 'packages', arg: '-p', type: { kind: 'list' } },
  { key: 'skip-base', arg: '-n', type: sw },
  { key: 'elements', type: { kind: 'positional' } },
];

const byKey = new Map(IMAGE_KEYS.map((k) => [k.key, k]));

export type ImageEntry = Record<string, unknown>;

/** One image of the file, as the command that builds it. */
export interface ImageCommand {
  imagename: string;
  /** The executable DIB would run: disk-image-create, or ramdisk-image-create for ramdisk: true. */
  tool: 'disk-image-create' | 'ramdisk-image-create';
  args: string[];
  /** The entry's environment: map, set for this command on top of the caller's. */
  environment: Record<string, string>;
}

/** A file kiln cannot take as an image file: names the file, the entry and the key. */
export class ImageFileError extends UsageError {}

/** Read and check every file, then merge and render, as `diskimage-builder FILE...` does. */
export function imageCommandsFromFiles(files: readonly string[], read: (f: string) => string = (f) => readFileSync(f, 'utf8')): ImageCommand[] {
  const entries: { entry: ImageEntry; where: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      throw new ImageFileError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let doc: unknown;
    try {
      // YAML 1.1, as PyYAML reads DIB's file (yes/no/on/off are booleans there)
      doc = parseYaml(text, { version: '1.1' });
    } catch (e) {
      throw new ImageFileError(`${file}: not YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!Array.isArray(doc)) throw new ImageFileError(`${file}: an image file is a YAML list of images, one map each`, { hint: 'e.g.\n- imagename: debian\n  elements: [debian-minimal, vm]' });
    doc.forEach((entry, i) => entries.push({ entry: entry as ImageEntry, where: `${file}: image ${i + 1}` }));
  }
  for (const { entry, where } of entries) checkEntry(entry, where);
  return mergeEntries(entries.map((e) => e.entry)).map(commandOf);
}

/** DIB's schema: a map of its keys only, each of its type. */
export function checkEntry(entry: unknown, where: string): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ImageFileError(`${where}: is not a map of DIB's keys`);
  for (const [key, value] of Object.entries(entry)) {
    const spec = byKey.get(key);
    if (!spec) throw new ImageFileError(`${where}: "${key}" is not one of DIB's image keys`, { hint: `the keys are: ${IMAGE_KEYS.map((k) => k.key).join(', ')}` });
    const problem = typeProblem(spec.type, value);
    if (problem) throw new ImageFileError(`${where}: ${key}: ${problem}`);
  }
}

function typeProblem(t: Kind, v: unknown): string | undefined {
  const isInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x);
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  switch (t.kind) {
    case 'string':
      return typeof v === 'string' ? undefined : 'must be a string (quote it)';
    case 'enum':
      return t.values.includes(v as string | number) ? undefined : `must be one of ${t.values.join(', ')}`;
    case 'int':
      return isInt(v) && (v as number) >= 1 ? undefined : 'must be a whole number of at least 1';
    case 'repeat':
      return isInt(v) && (v as number) >= 0 && (v as number) <= t.max ? undefined : `must be a whole number from 0 to ${t.max}`;
    case 'switch':
    case 'mode':
      return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'list':
    case 'positional':
      return strings(v) ? undefined : 'must be a list of strings';
    case 'enum-list':
      if (!strings(v)) return 'must be a list of strings';
      return (v as string[]).every((x) => t.values.includes(x)) ? undefined : `each must be one of ${t.values.join(', ')}`;
    case 'map-option':
    case 'environment':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be a map';
      return Object.values(v).every((x) => typeof x === 'string') ? undefined : 'every value must be a string (quote numbers)';
  }
}

/** DIB's merge: an entry without imagename continues the one before; one imagename, one image. */
export function mergeEntries(entries: readonly ImageEntry[]): ImageEntry[] {
  const merged = new Map<string, ImageEntry>();
  let previous = 'image';
  for (const entry of entries) {
    const name = typeof entry.imagename === 'string' ? entry.imagename : previous;
    previous = name;
    const into = merged.get(name);
    if (!into) {
      merged.set(name, structuredClone(entry));
      continue;
    }
    for (const [k, v] of Object.entries(entry)) {
      if (Array.isArray(v)) into[k] = [...((into[k] as unknown[] | undefined) ?? []), ...v];
      else if (typeof v === 'object' && v !== null) into[k] = { ...((into[k] as object | undefined) ?? {}), ...v };
      else into[k] = v;
    }
  }
  return [...merged.values()];
}

/** One merged image -> its command line, in DIB's key order. */
export function commandOf(entry: ImageEntry): ImageCommand {
  const args: string[] = [];
  let environment: Record<string, string> = {};
  for (const { key, arg = `--${key}`, type } of IMAGE_KEYS) {
    if (!(key in entry)) continue;
    const v = entry[key];
    switch (type.kind) {
      case 'string':
      case 'enum':
      case 'int':
        if (v !== '' && v !== null && v !== undefined) args.push(arg, String(v));
        break;
      case 'switch':
        if (v) args.push(arg);
        break;
      case 'repeat':
        for (let i = 0; i < (v as number); i++) args.push(arg);
        break;
      case 'list':
      case 'enum-list':
        if ((v as string[]).length) args.push(arg, (v as string[]).join(','));
        break;
      case 'map-option': {
        const text = Object.entries(v as Record<string, string>).map(([k, x]) => `${k}=${x}`).join(',');
        if (text) args.push(arg, text);
        break;
      }
      case 'environment':
        environment = { ...(v as Record<string, string>) };
        break;
      case 'positional':
        args.push(...(v as string[]));
        break;
      case 'mode':
        break;
    }
  }
  const imagename = typeof entry.imagename === 'string' ? entry.imagename : 'image';
  return { imagename, tool: entry.ramdisk === true ? 'ramdisk-image-create' : 'disk-image-create', args, environment };
}

/** The command as a shell line: VAR=value ... tool args (what --dry-run prints). */
export function renderCommand(c: ImageCommand): string {
  const env = Object.entries(c.environment).map(([k, v]) => `${k}=${quote(v)}`);
  return [...env, c.tool, ...c.args.map(quote)].join(' ');
}
