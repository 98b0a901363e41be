// Ask before you start: every host program and output format a build will need, checked in
// one go before anything is downloaded or booted, so a user learns in a second (all of it at
// once, with the one install command) what a 20-minute build would have failed on at the end.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import { run } from '../host/run.js';
import { makeTempDir } from '../host/tmpdir.js';
import { missingTools, type ToolSpec } from '../host/tools.js';
import type { BuildOptions } from '../options.js';
import { splitQemuImgOptions } from '../outputs/qemu-img.js';
import { archFacts, type Arch } from '../arch.js';

/** What every build runs on the host, whatever its elements: the QEMU of the target's architecture among them. */
export const buildTools = (arch: Arch): readonly ToolSpec[] => [
  { tool: archFacts[arch].qemu, debianPackage: archFacts[arch].qemuPackage, purpose: `boot the ${arch} appliance` },
  { tool: 'qemu-img', debianPackage: 'qemu-utils', purpose: 'make the helper drive and convert images' },
  { tool: 'flock', debianPackage: 'util-linux', purpose: 'lock the helper drive and build directories' },
];

export class HostNotReadyError extends KilnError {}

/** Throws one error naming everything missing (tools, formats this host cannot write); with `only`, just those tools. */
export async function preflight(o: BuildOptions, only?: readonly ToolSpec[]): Promise<void> {
  const tools = await missingTools(only ?? buildTools(o.arch));
  const lines = [...tools.lines];
  for (const f of o.ramdisk || only ? [] : o.formats) {
    const s = await f.supported();
    if (!s.ok) lines.push(`cannot write ${f.name} output: ${s.why}`);
  }
  if (lines.length === 0) {
    if (!only) await checkQemuImgOptions(o);
    return;
  }
  throw new HostNotReadyError(lines.length === 1 ? lines[0]! : `this host cannot run the build yet:\n  - ${lines.join('\n  - ')}`, {
    hint: tools.packages.length ? `install what is missing: apt-get install ${tools.packages.join(' ')}   (or run scripts/setup)` : 'choose other output formats with -t',
  });
}

/** The formats --qemu-img-options goes to (qemu-img convert -o). */
const TAKES_OPTIONS = ['qcow2', 'vmdk'];

/** --qemu-img-options tried on an empty image of each format that takes them: refused now, not after the build. */
async function checkQemuImgOptions(o: BuildOptions): Promise<void> {
  const options = splitQemuImgOptions(o.qemuImgOptions);
  const formats = o.formats.filter((f) => TAKES_OPTIONS.includes(f.name));
  if (options.length === 0 || formats.length === 0) return;
  const dir = await makeTempDir('kiln-probe-');
  try {
    for (const f of formats) {
      await run('qemu-img', ['create', '-q', '-f', f.name, '-o', options.join(','), join(dir, `probe.${f.name}`), '1M'], { what: `try --qemu-img-options on ${f.name}` }).catch((e: unknown) => {
        const why = String((e as Error).message).split('\n').slice(1).join(' ').replace(/^\s*qemu-img: \S+: /, '').trim();
        throw new UsageError(`--qemu-img-options ${o.qemuImgOptions}: qemu-img refuses them for ${f.name}${why ? ` (${why})` : ''}`, {
          hint: `qemu-img create -f ${f.name} -o help x 1M lists the options ${f.name} takes`,
          cause: e,
        });
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
