// The data files an element carries beside its hook directories. DIB's own elements and
// library read them from the element directories (through IMAGE_ELEMENT_YAML or
// ELEMENTS_PATH) or from the top of the hooks tree; kiln lists them so the build and
// `element-info` can say which element contributes what.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ElementError } from '../errors.js';
import { byteOrder } from './order.js';
import type { ElementRef } from './scripts.js';

export type DataFileKind =
  | 'element-deps'
  | 'element-provides'
  | 'package-installs' // package-installs.yaml / .json: read by package-installs-squash (extra-data.d)
  | 'pkg-map' // copied per element to /usr/share/pkg-map/<element> by the pkg-map element
  | 'svc-map' // merged by the svc-map element
  | 'source-repository' // source-repository-*: read from the top of the hooks tree by source-repositories
  | 'block-device'; // block-device-default.yaml / block-device-<arch>.yaml: the partition layout

export interface ElementDataFile {
  element: string;
  kind: DataFileKind;
  name: string;
  /** The file in the element directory. */
  source: string;
}

const FIXED: Record<string, DataFileKind> = {
  'element-deps': 'element-deps',
  'element-provides': 'element-provides',
  'package-installs.yaml': 'package-installs',
  'package-installs.json': 'package-installs',
  'pkg-map': 'pkg-map',
  'svc-map': 'svc-map',
};

function kindOf(name: string): DataFileKind | undefined {
  if (FIXED[name]) return FIXED[name];
  // source-repositories skips editor backups (find -not -name '*~').
  if (name.startsWith('source-repository-') && !name.endsWith('~')) return 'source-repository';
  if (/^block-device-[^/]+\.yaml$/.test(name)) return 'block-device';
  return undefined;
}

/** Every data file of every element, in element order then name order. */
export function elementDataFiles(elements: readonly ElementRef[]): ElementDataFile[] {
  const out: ElementDataFile[] = [];
  for (const element of elements) {
    let names: string[];
    try {
      names = readdirSync(element.path, { withFileTypes: true })
        .filter((e) => !e.isDirectory())
        .map((e) => e.name)
        .sort(byteOrder);
    } catch (err) {
      throw new ElementError(`element ${element.name}: cannot list ${element.path}: ${(err as Error).message}`, { cause: err });
    }
    for (const name of names) {
      const kind = kindOf(name);
      if (kind) out.push({ element: element.name, kind, name, source: join(element.path, name) });
    }
  }
  return out;
}

/**
 * The element block-device config DIB would use when DIB_BLOCK_DEVICE_CONFIG is unset: per
 * element, block-device-<arch>.yaml (block-device-ppc64el.yaml for either ppc64 spelling),
 * else block-device-default.yaml. DIB takes the first element in bash hash order that has
 * one; since that order is arbitrary, kiln refuses to guess when two elements have one.
 */
export function blockDeviceConfig(elements: readonly ElementRef[], arch: string): ElementDataFile | undefined {
  const archFile = ['ppc64le', 'ppc64el'].includes(arch) ? 'block-device-ppc64el.yaml' : `block-device-${arch}.yaml`;
  const files = elementDataFiles(elements).filter((f) => f.kind === 'block-device');
  const chosen: ElementDataFile[] = [];
  for (const element of elements) {
    const own = files.filter((f) => f.element === element.name);
    const pick = own.find((f) => f.name === archFile) ?? own.find((f) => f.name === 'block-device-default.yaml');
    if (pick) chosen.push(pick);
  }
  if (chosen.length > 1) {
    throw new ElementError(`two elements carry a block-device config for ${arch}: ${chosen.map((f) => f.source).join(' and ')}`, {
      hint: 'DIB would pick one of them at random; keep one block-device element, or set DIB_BLOCK_DEVICE_CONFIG',
    });
  }
  return chosen[0];
}
