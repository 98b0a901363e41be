// kiln element-info: what DIB's element-info tells, from kiln's element engine.
//   kiln element-info                      every element on the path: NAME<TAB>PATH
//   kiln element-info -d ELEMENT...        the expanded set, space separated (DIB's element-info output)
//   kiln element-info -e ELEMENT...        IMAGE_ELEMENT, IMAGE_ELEMENT_YAML, get_image_element_array (DIB's --env)
//   kiln element-info --scripts ELEMENT... PHASE<TAB>SCRIPT<TAB>ELEMENT<TAB>SOURCE in run order
// Like DIB's element-info it expands exactly the names given: no base, no vm block-device default.
import type { Command } from 'commander';
import { statusAction, type ExitStatus } from './status.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import {
  collectScripts,
  discoverElements,
  elementPathFromOptions,
  renderElementEnv,
  resolveElements,
  imageElementEnv,
  PHASES,
  type Resolution,
} from '../elements/index.js';

export interface ElementInfoOptions {
  elementPath?: string[];
  builtinElements?: boolean;
  expandDependencies?: boolean;
  env?: boolean;
  scripts?: boolean;
  json?: boolean;
}

export interface ElementInfoResult {
  stdout: string;
  warnings: string[];
}

export function register(program: Command, status: ExitStatus): void {
  program
    .command('element-info')
    .description("list elements, or expand ELEMENT... as diskimage-builder's element-info does")
    .argument('[element...]', 'elements to expand (none: list every element on the path)')
    .option('-p, --element-path <dir>', 'search DIR for elements before ELEMENTS_PATH and the built-in ones (repeatable; DIR may be a colon list)', collect)
    .option('--no-builtin-elements', "do not search kiln's built-in elements")
    .option('-d, --expand-dependencies', 'print ELEMENT... and all their dependencies, space separated (the default when ELEMENTs are given)')
    .option('-e, --env', 'print eval-able IMAGE_ELEMENT, IMAGE_ELEMENT_YAML and get_image_element_array, as DIB does')
    .option('--scripts', 'print the phase scripts of the expanded set in the order they run')
    .option('--json', 'print JSON instead of text')
    .action(
      statusAction(status, (names: string[], opts: ElementInfoOptions) => {
        const result = elementInfo(names, opts);
        const log = createLogger();
        for (const w of result.warnings) log.warn(w);
        process.stdout.write(result.stdout);
      }),
    );
}

/** The command's output as data, so tests (and the conformance test) need no process. */
export function elementInfo(names: readonly string[], opts: ElementInfoOptions, env: NodeJS.ProcessEnv = process.env): ElementInfoResult {
  const elementPaths = elementPathFromOptions(opts.elementPath ?? [], env, { builtin: opts.builtinElements !== false });
  const modes = [opts.expandDependencies, opts.env, opts.scripts].filter(Boolean).length;
  if (modes > 1) throw new UsageError('choose one of --expand-dependencies, --env and --scripts');
  if (names.length === 0) {
    if (modes > 0) throw new UsageError('--expand-dependencies, --env and --scripts need at least one ELEMENT');
    return { stdout: listing(elementPaths, opts.json === true), warnings: [] };
  }
  const resolved = resolveElements({ names, elementPaths, dibDefaults: false });
  const inSet = new Set(resolved.elements.map((e) => e.name));
  const warnings = resolved.overrides.filter((o) => inSet.has(o.name)).map((o) => `element ${o.name}: using ${o.used}, which hides ${o.shadowed}`);
  return { stdout: render(resolved, opts), warnings };
}

function render(resolved: Resolution, opts: ElementInfoOptions): string {
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  if (opts.env) return opts.json ? json(imageElementEnv(resolved.elements)) : renderElementEnv(resolved.elements);
  if (opts.scripts) {
    const plan = collectScripts(resolved.elements);
    if (opts.json) return json(plan);
    const rows = [
      ...plan.environment.map((s) => ['environment.d', s.name, s.element, s.source]),
      ...PHASES.flatMap((p) => plan.phases[p].map((s) => [`${p}.d`, s.name, s.element, s.source])),
    ];
    return rows.map((r) => `${r.join('\t')}\n`).join('');
  }
  if (opts.json) return json({ elements: resolved.elements, provided: resolved.provided });
  return `${resolved.elements.map((e) => e.name).join(' ')}\n`;
}

function listing(elementPaths: string[], asJson: boolean): string {
  const index = discoverElements(elementPaths);
  if (asJson) {
    const all = index.all().map((e) => ({ name: e.name, path: e.path, depends: [...e.depends].sort(), provides: [...e.provides].sort() }));
    return `${JSON.stringify({ elementPaths, elements: all }, null, 2)}\n`;
  }
  return index
    .all()
    .map((e) => `${e.name}\t${e.path}\n`)
    .join('');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
