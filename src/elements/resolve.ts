// Expanding the requested elements into the full element set, by DIB's rules
// (element_dependencies._expand_element_dependencies and disk-image-create's arg_to_elements):
//  - breadth-first over element-deps, starting from the requested names in order;
//  - a name some processed element lists in element-provides is not expanded and not in the
//    result (that is how virtual elements such as operating-system and block-device work);
//  - two elements providing the same name, or a requested name that another element provides,
//    is an error; so is a set with no operating-system provider;
//  - cycles in element-deps are not an error: the relation is a set, every element on the
//    cycle is included once (DIB behaves the same; kiln must build what DIB builds).
// Where DIB's outcome depends on Python's per-process set order (siblings in element-deps),
// kiln takes siblings in byte order; and a name that is not an element directory is only
// declared missing once the whole queue has been processed, so a virtual element is never
// "not found" just because its provider sits later in the queue (DIB's bug #1303911 family).
// Both choices only turn DIB's order-dependent failures into successes; the conformance test
// shows the result equals DIB's for every upstream element.
import { discoverElements, type ElementIndex, type ElementOverride } from './discover.js';
import type { Element } from './element.js';
import { AlreadyProvidedError, MissingElementError, MissingOSError } from './errors.js';
import { byteOrder } from './order.js';

export interface ResolveOptions {
  /** Element names as the user gave them. */
  names: readonly string[];
  /** Directories to search, first wins (see elementPathFromOptions). Ignored when `index` is given. */
  elementPaths?: readonly string[];
  /** An already discovered element path, to resolve several sets without rescanning. */
  index?: ElementIndex;
  /** -n/--skip-base: do not add the base element. */
  skipBase?: boolean;
  /** --exclude-element: drop these from the expanded set (virt-dib's rule: after expansion; their dependencies stay). */
  excludeElements?: readonly string[];
  /**
   * Add what disk-image-create adds before expanding (default true): "base" unless skipBase,
   * and block-device-mbr (block-device-efi on arm64/aarch64) when "vm" is requested without
   * any block-device-* element. Off for element-info, which expands exactly what it is given.
   */
  dibDefaults?: boolean;
  /** Target architecture, for the vm block-device default. Default amd64. */
  arch?: string;
}

export interface ResolvedElement {
  name: string;
  /** Real path of the element directory. */
  path: string;
  /** The element whose element-deps first listed it; null when it was requested (or added as a default). */
  requiredBy: string | null;
}

export interface Resolution {
  /** The expanded element set, sorted by name (DIB's order is Python set order, i.e. arbitrary; kiln's is stable). */
  elements: ResolvedElement[];
  /** The names expansion started from: the user's names plus the DIB defaults, in DIB's order. */
  requested: string[];
  /** Virtual names and the element providing each (e.g. operating-system -> debian-minimal). */
  provided: Record<string, string>;
  /** Elements removed by excludeElements (only those that were in the set). */
  excluded: string[];
  /** The directories searched, in order. */
  elementPaths: string[];
  /** Elements hidden by one of the same name earlier on the path. */
  overrides: ElementOverride[];
  /** The discovered element path, reusable for further lookups. */
  index: ElementIndex;
}

const OPERATING_SYSTEM = 'operating-system';

/** The names disk-image-create expands: the user's, a block-device default for vm, base first. */
export function dibDefaultElements(names: readonly string[], opts: { skipBase?: boolean; arch?: string } = {}): string[] {
  const list = [...names];
  if (list.includes('vm') && !list.some((n) => n.startsWith('block-device-'))) {
    list.push(['arm64', 'aarch64'].includes(opts.arch ?? 'amd64') ? 'block-device-efi' : 'block-device-mbr');
  }
  return opts.skipBase ? list : ['base', ...list];
}

export function resolveElements(opts: ResolveOptions): Resolution {
  const index = opts.index ?? discoverElements(opts.elementPaths ?? []);
  const requested = unique(opts.dibDefaults === false ? opts.names : dibDefaultElements(opts.names, opts));
  const userNames = new Set(opts.names);
  const { included, provided, requiredBy } = expand(requested, index);

  for (const name of requested) {
    const provider = provided.get(name);
    if (provider) throw providedAndRequested(name, provider, userNames.has(name), index, requiredBy);
  }
  if (!provided.has(OPERATING_SYSTEM)) throw missingOS([...included].filter((n) => !provided.has(n)), index);

  const exclude = new Set(opts.excludeElements ?? []);
  for (const name of exclude) {
    if (!index.has(name) && !provided.has(name)) throw unknownExclude(name, index);
  }
  const os = provided.get(OPERATING_SYSTEM)!;
  if (exclude.has(os.name)) {
    throw new MissingOSError(`--exclude-element ${os.name}: that is the element providing ${OPERATING_SYSTEM}, and a build needs one`, {
      hint: `keep ${os.name}, or name another operating-system element instead of it`,
    });
  }
  const names = [...included].filter((n) => !provided.has(n)).sort(byteOrder);
  const elements: ResolvedElement[] = [];
  const excluded: string[] = [];
  for (const name of names) {
    if (exclude.has(name)) {
      excluded.push(name);
      continue;
    }
    elements.push({ name, path: index.get(name)!.path, requiredBy: requiredBy.get(name) ?? null });
  }
  return {
    elements,
    requested,
    provided: Object.fromEntries([...provided].sort(([a], [b]) => byteOrder(a, b)).map(([k, v]) => [k, v.name])),
    excluded,
    elementPaths: [...index.paths],
    overrides: index.overrides,
    index,
  };
}

interface Expansion {
  /** Every name reached, requested or listed in an element-deps, provided ones included. */
  included: Set<string>;
  provided: Map<string, Element>;
  requiredBy: Map<string, string>;
}

function expand(requested: readonly string[], index: ElementIndex): Expansion {
  const included = new Set(requested);
  const provided = new Map<string, Element>();
  const requiredBy = new Map<string, string>();
  const queue = [...requested];
  const notElements: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    if (provided.has(name)) continue;
    const element = index.get(name);
    if (!element) {
      notElements.push(name);
      continue;
    }
    for (const p of [...element.provides].sort(byteOrder)) {
      const other = provided.get(p);
      if (other) throw alreadyProvided(p, other, element, requiredBy);
      provided.set(p, element);
    }
    for (const dep of [...element.depends].sort(byteOrder)) {
      if (included.has(dep)) continue;
      included.add(dep);
      requiredBy.set(dep, name);
      if (!provided.has(dep)) queue.push(dep);
    }
  }
  for (const name of notElements) {
    if (!provided.has(name)) throw missingElement(name, index, requiredBy);
  }
  return { included, provided, requiredBy };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/** How a name came into the set: "requested", or "required by vm <- my-image (requested)". */
function origin(name: string, requiredBy: Map<string, string>): string {
  const chain: string[] = [];
  let cur = requiredBy.get(name);
  while (cur !== undefined && !chain.includes(cur)) {
    chain.push(cur);
    cur = requiredBy.get(cur);
  }
  return chain.length === 0 ? 'requested' : `required by ${chain.join(' <- ')} (requested)`;
}

function missingElement(name: string, index: ElementIndex, requiredBy: Map<string, string>): MissingElementError {
  const parent = requiredBy.get(name);
  const where = parent ? `listed in ${index.get(parent)!.path}/element-deps; ${parent} is ${origin(parent, requiredBy)}` : 'requested';
  const providers = index.providersOf(name).map((e) => e.name);
  if (providers.length > 0) {
    return new MissingElementError(
      name,
      `element '${name}' not found: it is a virtual element (${where}) and no element in the set provides it`,
      { hint: `add one of the elements that provide ${name}: ${providers.join(', ')}` },
    );
  }
  const similar = index.suggest(name);
  const searched = index.paths.length ? index.paths.join(', ') : '(no element path given)';
  return new MissingElementError(name, `element '${name}' not found (${where}); searched: ${searched}`, {
    hint:
      (similar.length ? `did you mean ${similar.join(', ')}? ` : '') +
      'elements are looked up in -p/--element-path, then ELEMENTS_PATH, then kiln\'s built-in elements',
  });
}

function alreadyProvided(name: string, first: Element, second: Element, requiredBy: Map<string, string>): AlreadyProvidedError {
  const describe = (e: Element): string => `${e.name} (${e.path}/element-provides, ${origin(e.name, requiredBy)})`;
  return new AlreadyProvidedError(name, [first.name, second.name], `${name} is provided by two elements: ${describe(first)} and ${describe(second)}`, {
    hint: `keep only one of ${first.name} and ${second.name}; DIB refuses this too ("${name}: already provided by ${first.name}")`,
  });
}

function providedAndRequested(
  name: string,
  provider: Element,
  byUser: boolean,
  index: ElementIndex,
  requiredBy: Map<string, string>,
): AlreadyProvidedError {
  const how = byUser ? 'was requested' : 'is added by default';
  return new AlreadyProvidedError(
    name,
    [provider.name],
    `element '${name}' ${how} but is already provided by ${provider.name} (${provider.path}/element-provides, ${origin(provider.name, requiredBy)})` +
      (index.has(name) ? '' : `; ${name} is a virtual element`),
    { hint: byUser ? `remove ${name} from the element list: ${provider.name} stands in for it` : `use -n/--skip-base: ${provider.name} stands in for ${name}` },
  );
}

function missingOS(names: string[], index: ElementIndex): MissingOSError {
  const oses = index.providersOf(OPERATING_SYSTEM).map((e) => e.name);
  return new MissingOSError(`no operating-system element: none of ${names.sort(byteOrder).join(', ') || 'the requested elements'} provides operating-system`, {
    hint: oses.length
      ? `add exactly one operating-system element, e.g. ${oses.join(', ')}`
      : 'add exactly one operating-system element (an element whose element-provides lists operating-system); none is on the element path',
  });
}

function unknownExclude(name: string, index: ElementIndex): MissingElementError {
  const similar = index.suggest(name);
  return new MissingElementError(name, `--exclude-element ${name}: no element of that name on the element path (${index.paths.join(', ')})`, {
    hint: similar.length ? `did you mean ${similar.join(', ')}?` : 'run kiln element-info to list the elements',
  });
}
