// DIB block-device YAML -> a flat list of nodes (DIB's "graph form").
// DIB accepts two spellings of the same thing: the graph form, where every node is a
// top-level entry naming its `base`, and the tree form, where children nest inside their
// parent and inherit it as base. Both are a list of single-key maps keyed by plugin name.
// A missing name is made up as "<plugin>_<base>", so the tree form's root filesystem is
// "mkfs_root" and its mount "mount_mkfs_root", exactly the names DIB gives them.
import { parseYaml as parse } from '../yaml.js';
import { BlockDeviceError } from './errors.js';

export const PLUGINS = ['local_loop', 'partitioning', 'lvm', 'mkfs', 'mount', 'fstab'] as const;
export type PluginName = (typeof PLUGINS)[number];

/** Plugins DIB has that kiln does not implement yet: a clear error beats "unknown key". */
const UNSUPPORTED: Record<string, string> = {};

/** Scalars are kept as strings: YAML 1.1/1.2 disagree on 0x83, 8300, 1e3; DIB re-parses them anyway. */
export type Scalar = string;
export type FieldValue = Scalar | Scalar[];

export interface RawPartition {
  name: string;
  base: string;
  fields: Record<string, FieldValue>;
  index: number;
}

/** One entry of an lvm node's pvs, vgs or lvs list. */
export interface RawLvmItem {
  name: string;
  fields: Record<string, FieldValue>;
}

export interface RawLvm {
  pvs: RawLvmItem[];
  vgs: RawLvmItem[];
  lvs: RawLvmItem[];
}

export interface RawNode {
  plugin: PluginName;
  name: string;
  base?: string;
  fields: Record<string, FieldValue>;
  /** Only for partitioning. */
  partitions?: RawPartition[];
  /** Only for lvm: its three lists. */
  lvm?: RawLvm;
  /** Position in document order; ties in the dependency sort are broken by it. */
  index: number;
}

/** Parse the text of DIB_BLOCK_DEVICE_CONFIG (or an element's block-device-*.yaml). */
export function parseBlockDeviceConfig(text: string): RawNode[] {
  let doc: unknown;
  try {
    // failsafe: every scalar stays a string, so `type: 83` is still "83" and not decimal 83.
    doc = parse(text, { schema: 'failsafe' });
  } catch (err) {
    throw new BlockDeviceError(`not valid YAML: ${(err as Error).message}`, undefined, undefined, { cause: err });
  }
  return flattenConfig(doc);
}

/** Tree or graph form -> graph form. */
export function flattenConfig(doc: unknown): RawNode[] {
  if (!Array.isArray(doc)) {
    throw new BlockDeviceError('the config must be a YAML list of entries such as "- local_loop: {name: image0}"');
  }
  const out: RawNode[] = [];
  doc.forEach((entry, i) => {
    const [plugin, values] = singleKey(entry, `entry ${i + 1}`);
    visit(plugin, values, undefined, out, `entry ${i + 1}`);
  });
  return out;
}

function visit(plugin: PluginName, values: unknown, parent: string | undefined, out: RawNode[], where: string): void {
  const map = asMap(values, where, plugin);
  // lvm alone may name a list of bases ("base: [ root ]"); it ignores them, as DIB does: its
  // physical volumes say where they live.
  const lvmBases = plugin === 'lvm' && Array.isArray(map.base) ? map.base.map((b) => scalar(b, where, 'base')) : undefined;
  const base = lvmBases ? lvmBases.join('_') : (scalarOrUndefined(map.base, where, 'base') ?? parent);
  const given = scalarOrUndefined(map.name, where, 'name');
  if (given === undefined && base === undefined) {
    throw new BlockDeviceError(`${plugin} needs a "name" (it has no base to derive one from)`, where, 'name');
  }
  const name = given ?? `${plugin}_${base}`;
  const node: RawNode = { plugin, name, base: lvmBases ? undefined : base, fields: {}, index: out.length };
  out.push(node);
  if (plugin === 'lvm') node.lvm = { pvs: [], vgs: [], lvs: [] };
  for (const [key, value] of Object.entries(map)) {
    if (key === 'name' || key === 'base') continue;
    if (key === 'partitions' && plugin === 'partitioning') {
      node.partitions = partitions(value, node, out);
    } else if (node.lvm && (key === 'pvs' || key === 'vgs' || key === 'lvs')) {
      node.lvm[key] = lvmItems(value, name, key);
    } else if (isPluginKey(key)) {
      visit(pluginName(key, name), value, name, out, name);
    } else {
      node.fields[key] = fieldValue(value, name, key);
    }
  }
}

function partitions(value: unknown, parent: RawNode, out: RawNode[]): RawPartition[] {
  if (!Array.isArray(value)) throw new BlockDeviceError('must be a list of partitions', parent.name, 'partitions');
  return value.map((item, i) => {
    const where = `${parent.name} partition ${i + 1}`;
    const map = asMap(item, where, 'partition');
    const name = scalarOrUndefined(map.name, where, 'name');
    if (name === undefined) throw new BlockDeviceError('every partition needs a "name"', where, 'name');
    if (parent.base === undefined) throw new BlockDeviceError('partitioning needs a "base" (the local_loop)', parent.name, 'base');
    const part: RawPartition = { name, base: parent.base, fields: {}, index: out.length };
    for (const [key, v] of Object.entries(map)) {
      if (key === 'name' || key === 'base') continue;
      // A partition's children (mkfs ...) take the partition as their base.
      if (isPluginKey(key)) visit(pluginName(key, name), v, name, out, name);
      else part.fields[key] = fieldValue(v, name, key);
    }
    return part;
  });
}

/** An lvm node's pvs/vgs/lvs: lists of maps whose values are scalars or lists of scalars. */
function lvmItems(value: unknown, node: string, key: 'pvs' | 'vgs' | 'lvs'): RawLvmItem[] {
  if (!Array.isArray(value)) throw new BlockDeviceError(`must be a list of ${key === 'pvs' ? 'physical volumes' : key === 'vgs' ? 'volume groups' : 'logical volumes'}`, node, key);
  return value.map((item, i) => {
    const where = `${node} ${key} entry ${i + 1}`;
    const map = asMap(item, where, key);
    const name = scalarOrUndefined(map.name, where, 'name');
    if (name === undefined) throw new BlockDeviceError('every entry needs a "name"', where, 'name');
    const fields: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(map)) if (k !== 'name') fields[k] = fieldValue(v, name, k);
    return { name, fields };
  });
}

function isPluginKey(key: string): boolean {
  return (PLUGINS as readonly string[]).includes(key) || key in UNSUPPORTED;
}

function pluginName(key: string, where: string): PluginName {
  const why = UNSUPPORTED[key];
  if (why) throw new BlockDeviceError(why, where, key);
  return key as PluginName;
}

function singleKey(entry: unknown, where: string): [PluginName, unknown] {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new BlockDeviceError('each entry must be a map with one plugin key', where);
  }
  const keys = Object.keys(entry);
  if (keys.length !== 1) {
    throw new BlockDeviceError(`each entry must have exactly one key, this one has ${keys.length} (${keys.join(', ')})`, where);
  }
  const key = keys[0]!;
  if (!isPluginKey(key)) {
    throw new BlockDeviceError(`"${key}" is not a block-device plugin (known: ${PLUGINS.join(', ')})`, where);
  }
  return [pluginName(key, where), (entry as Record<string, unknown>)[key]];
}

function asMap(value: unknown, where: string, what: string): Record<string, unknown> {
  if (isAbsent(value)) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BlockDeviceError(`${what} must be a map of settings`, where);
  }
  return value as Record<string, unknown>;
}

function fieldValue(value: unknown, node: string, field: string): FieldValue {
  if (Array.isArray(value)) return value.map((v) => scalar(v, node, field));
  return scalar(value, node, field);
}

function scalar(value: unknown, node: string, field: string): Scalar {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new BlockDeviceError('must be a single value', node, field);
}

function scalarOrUndefined(value: unknown, node: string, field: string): Scalar | undefined {
  return isAbsent(value) ? undefined : scalar(value, node, field);
}

/** An empty YAML value (`label:`) means "use the default", as in DIB. */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === '~' || value === 'null';
}
