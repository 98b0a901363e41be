// package-installs on the host: what DIB's package-installs-squash (python, extra-data.d)
// and pkg-map (python, in the target) do, turned into plain text files the in-chroot shell
// scripts of the package-installs and pkg-map elements read, so the target needs no python:
//
//   package-installs/<phase>.entries     one entry a line, in DIB's reading order:
//                                        KIND \t PACKAGE \t ELEMENT [\t CONDITION]...
//                                        (phase: pre-install.d, install.d, post-install.d;
//                                        KIND: install, uninstall, build-only)
//   kiln-pkg-map/<element>               one mapping a line: SCOPE \t NAME \t MAPPED
//
// Which entries install and which uninstall is decided in the guest, in that order, by
// today's DIB's rule (package-installs-squash's collect_data since DIB 3.31.0, commit
// 788224cf "Don't remove packages that are requested to be installed"): an uninstall: or
// build-only: entry for a package that an earlier entry of the phase installs, and no
// earlier entry uninstalls, does not uninstall it (build-only then only installs); a plain
// entry drops every earlier uninstall of the package in the phase, whether or not its own
// conditions hold. The rule needs the conditions' outcomes, so it runs where they are known.
//
// Split of the work, and why: the host knows ARCH, so arch:/not-arch: are applied here. What
// depends on the build environment (installtype:, dib_python_version:, when:) and on
// DISTRO_NAME / DIB_RELEASE (the pkg-map choice) is set by environment.d, which only the
// guest phases source; so those are written as conditions and flattened maps and decided in
// the chroot, exactly when DIB decides them. Conditions: installtype=T, python=V,
// when=VAR=VAL or when=VAR!=VAL.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml as parse } from '../yaml.js';
import { ElementFileError } from './errors.js';
import type { ElementRef } from './scripts.js';

/** The phases DIB's package-installs runs in (the `phase:` key; default install.d). */
export const PACKAGE_PHASES = ['pre-install.d', 'install.d', 'post-install.d'] as const;
export type PackagePhase = (typeof PACKAGE_PHASES)[number];

export interface PackageInstallsContext {
  /** DIB's ARCH (amd64, arm64, ...), matched against arch: / not-arch:. */
  arch: string;
}

export type PackageKind = 'install' | 'uninstall' | 'build-only';

export interface PackageEntry {
  pkg: string;
  element: string;
  /**
   * installtype=T, python=V, when=VAR=VAL / when=VAR!=VAL; all must hold. "false" marks a
   * plain entry arch:/not-arch: ruled out: it installs nothing but still cancels earlier
   * uninstalls of its package, as in DIB (the arch test comes after that step there).
   */
  conditions: string[];
}

export interface SquashedPackageInstalls {
  /**
   * phase -> entries: every entry in DIB's reading order (element order, json before yaml,
   * file order), with its kind; install/uninstall: the entries that may install / uninstall
   * (before the guest's rule and conditions), e.g. for prefetching.
   */
  phases: Record<PackagePhase, { entries: (PackageEntry & { kind: PackageKind })[]; install: PackageEntry[]; uninstall: PackageEntry[] }>;
  /** Entries whose phase: is not one package-installs runs (DIB ignores them silently). */
  ignored: { element: string; pkg: string; phase: string }[];
  /** Files to write, path relative to the hooks tree -> content. */
  files: Record<string, string>;
}

const PKG_MAP_SCOPES = ['default', 'family', 'distro', 'release'] as const;

/**
 * Squash every element's package-installs.{json,yaml} (both, json first, as DIB reads them)
 * and pkg-map into the files the guest reads. Elements are taken in the given order (the
 * resolver's sorted order, so the output is the same on every run).
 */
export function squashPackageInstalls(elements: readonly ElementRef[], ctx: PackageInstallsContext): SquashedPackageInstalls {
  const phases = Object.fromEntries(PACKAGE_PHASES.map((p) => [p, { entries: [], install: [], uninstall: [] }])) as unknown as SquashedPackageInstalls['phases'];
  const ignored: SquashedPackageInstalls['ignored'] = [];
  const files: Record<string, string> = {};

  for (const element of elements) {
    for (const ext of ['json', 'yaml']) {
      const file = join(element.path, `package-installs.${ext}`);
      if (!existsSync(file)) continue;
      const data = readData(file, element.name);
      if (data === null || data === undefined) continue;
      if (!isRecord(data)) throw bad(element.name, file, 'it must be a mapping of package names');
      for (const [pkg, value] of Object.entries(data)) {
        const params: unknown[] = value === null || value === undefined || value === '' ? [{}] : Array.isArray(value) ? value : [value];
        for (const param of params) collect(phases, ignored, element.name, file, pkg, param ?? {}, ctx);
      }
    }
    const mapFile = join(element.path, 'pkg-map');
    if (existsSync(mapFile)) files[`kiln-pkg-map/${element.name}`] = flattenPkgMap(readData(mapFile, element.name), element.name, mapFile);
  }

  for (const phase of PACKAGE_PHASES) {
    files[`package-installs/${phase}.entries`] = phases[phase].entries.map((e) => [e.kind, e.pkg, e.element, ...e.conditions].join('\t') + '\n').join('');
  }
  return { phases, ignored, files };
}

/** Squash and write the files into the staged hooks tree (TMP_HOOKS_PATH on the host). */
export function writePackageInstalls(hooksPath: string, elements: readonly ElementRef[], ctx: PackageInstallsContext): SquashedPackageInstalls {
  const squashed = squashPackageInstalls(elements, ctx);
  for (const [rel, content] of Object.entries(squashed.files)) {
    const dest = join(hooksPath, rel);
    try {
      mkdirSync(join(dest, '..'), { recursive: true });
      writeFileSync(dest, content);
    } catch (err) {
      throw new ElementFileError(`cannot write ${dest} into the hooks tree: ${(err as Error).message}`, { cause: err });
    }
  }
  return squashed;
}

/** One package's parameters, as package-installs-squash's collect_data reads them. */
function collect(
  phases: SquashedPackageInstalls['phases'],
  ignored: SquashedPackageInstalls['ignored'],
  element: string,
  file: string,
  pkg: string,
  param: unknown,
  ctx: PackageInstallsContext,
): void {
  if (!isRecord(param)) throw bad(element, file, `the parameters of ${pkg} must be a mapping`);
  const phase = param.phase === undefined ? 'install.d' : String(param.phase);
  const kind: PackageKind = 'build-only' in param ? 'build-only' : 'uninstall' in param ? 'uninstall' : 'install';

  const arch = optionalString(param.arch);
  const notArch = optionalString(param['not-arch']);
  if (arch !== undefined && notArch !== undefined) throw bad(element, file, `arch and not-arch given for package ${pkg}`);
  const archOk = (arch === undefined || archIn(ctx.arch, arch)) && (notArch === undefined || !archIn(ctx.arch, notArch));

  const conditions: string[] = [];
  const installtype = optionalString(param.installtype);
  if (installtype !== undefined) conditions.push(`installtype=${installtype}`);
  const py = optionalString(param.dib_python_version);
  if (py !== undefined && py !== '') conditions.push(`python=${py}`);
  if (param.when !== undefined && param.when !== null) {
    for (const w of Array.isArray(param.when) ? param.when : [param.when]) conditions.push(`when=${parseWhen(String(w), element, file)}`);
  }

  if (!(PACKAGE_PHASES as readonly string[]).includes(phase)) {
    ignored.push({ element, pkg, phase });
    return;
  }
  const p = phases[phase as PackagePhase];
  if (!archOk) {
    // uninstall/build-only ruled out by arch change nothing; a plain entry still cancels
    if (kind === 'install') p.entries.push({ kind, pkg, element, conditions: ['false'] });
    return;
  }
  p.entries.push({ kind, pkg, element, conditions });
  if (kind !== 'uninstall') p.install.push({ pkg, element, conditions });
  if (kind !== 'install') p.uninstall.push({ pkg, element, conditions });
}

/** DIB's `when:` syntax, VAR=VAL or VAR!=VAL with optional blanks around the operator. */
function parseWhen(s: string, element: string, file: string): string {
  const m = /^(\w+)\s*(=|!=)\s*(.*)$/s.exec(s);
  if (!m) throw bad(element, file, `malformed when: "${s}" (expected VAR=value or VAR!=value)`);
  if (/[\t\n]/.test(m[3] ?? '')) throw bad(element, file, `when: "${s}": the value may not contain tabs or newlines`);
  return `${m[1]}${m[2]}${m[3] ?? ''}`;
}

/** DIB splits on "," without stripping blanks (its map(str.strip) is a no-op), so neither does kiln. */
function archIn(arch: string, list: string): boolean {
  return list.split(',').includes(arch);
}

/** A pkg-map JSON object as SCOPE \t NAME \t MAPPED lines (see bin/pkg-map in the pkg-map element). */
export function flattenPkgMap(data: unknown, element: string, file = 'pkg-map'): string {
  if (!isRecord(data)) throw bad(element, file, 'a pkg-map must be a JSON object');
  const lines: string[] = [];
  const emit = (scope: string, map: unknown): void => {
    if (!isRecord(map)) throw bad(element, file, `${scope.replace(/:/g, '.')} must be an object of package names`);
    for (const [name, mapped] of Object.entries(map)) {
      const value = mapped === null ? '' : String(mapped);
      if (/[\t\n]/.test(name + value)) throw bad(element, file, `${name}: names may not contain tabs or newlines`);
      lines.push(`${scope}\t${name}\t${value}\n`);
    }
  };
  for (const scope of PKG_MAP_SCOPES) {
    const part = data[scope];
    if (part === undefined) continue;
    if (scope === 'default') {
      emit('default', part);
      continue;
    }
    if (!isRecord(part)) throw bad(element, file, `${scope} must be an object`);
    for (const [key, sub] of Object.entries(part)) {
      if (scope !== 'release') {
        emit(`${scope}:${key}`, sub);
        continue;
      }
      if (!isRecord(sub)) throw bad(element, file, `release.${key} must be an object of releases`);
      for (const [release, map] of Object.entries(sub)) emit(`release:${key}:${release}`, map);
    }
  }
  return lines.join('');
}

/** DIB tries JSON first and falls back to YAML; YAML 1.1 as PyYAML reads it (yes/no are booleans). */
function readData(file: string, element: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ElementFileError(`element ${element}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return parse(text, { version: '1.1' }) as unknown;
    } catch (err) {
      throw bad(element, file, (err as Error).message);
    }
  }
}

function optionalString(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(element: string, file: string, what: string): ElementFileError {
  return new ElementFileError(`element ${element}: ${file}: ${what}`, { hint: "see DIB's package-installs README for the format" });
}
