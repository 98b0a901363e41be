// `kiln doctor`: whether this host can build, all of it at once: the host programs kiln runs
// (scripts/host-packages) with the one command that installs what is missing here (apt-get or
// dnf), KVM, the appliance, and the cache directory's free space.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { applianceForRecipe } from '../appliance/store.js';
import { loadRecipe } from '../appliance/recipe.js';
import { cacheLayout } from '../cache/layout.js';
import { freeBytes } from '../host/free-space.js';
import { hostPackages, installCommand, missingHostPackages, readHostFamily, type HostFamily, type HostPackage } from '../host/host-packages.js';
import { kilnVersion } from '../paths.js';
import { kvmUsable, VerdictStore, verdictKey } from '../vm/accel.js';
import { DEFAULT_QEMU, qemuVersion } from '../vm/qemu-binary.js';
import { statusAction, type ExitStatus } from './status.js';

/** Below this much free space in the cache dir a Debian build will not fit (appliance, package cache, helper drive). */
export const CACHE_SPACE_NEEDED = 5e9;

export interface Check {
  ok: boolean | 'warn';
  text: string;
  detail?: string[];
}

/** The report: one line per check, details indented under it. Pure, for the tests. */
export function renderDoctor(checks: readonly Check[]): string {
  const mark = (c: Check) => (c.ok === true ? '✓' : c.ok === 'warn' ? '!' : '✗');
  return checks.map((c) => [`${mark(c)} ${c.text}`, ...(c.detail ?? []).map((d) => `    ${d}`)].join('\n')).join('\n') + '\n';
}

/**
 * The host tools check: what is missing, what for, and the install command (both when the host
 * is neither family). Missing optional packages (arm64 images) are a warning of their own.
 */
export function toolsChecks(missing: readonly HostPackage[], total: number, family: HostFamily, asRoot: boolean): Check[] {
  const required = missing.filter((p) => !p.optional);
  const optional = missing.filter((p) => p.optional);
  const out: Check[] = [];
  if (required.length === 0) out.push({ ok: true, text: `host tools: all ${total - optional.length} packages every build needs are installed` });
  else out.push({ ok: false, text: `host tools: ${required.length} package${required.length === 1 ? '' : 's'} missing`, detail: missingDetail(required, family, asRoot) });
  if (optional.length) out.push({ ok: 'warn', text: `host tools for some builds only: ${optional.length} not installed`, detail: missingDetail(optional, family, asRoot) });
  return out;
}

function missingDetail(missing: readonly HostPackage[], family: HostFamily, asRoot: boolean): string[] {
  const commands =
    family === 'unknown'
      ? [`Debian/Ubuntu: ${installCommand('debian', missing, asRoot)}`, `Fedora:        ${installCommand('fedora', missing, asRoot)}`]
      : [installCommand(family, missing, asRoot)];
  return [...missing.map((p) => `${p.provides.map((a) => a.join(' and ')).join(' or ')} (${family === 'fedora' ? p.fedora : p.debian}): ${p.purpose}`), 'install with:', ...commands.map((c) => `  ${c}`)];
}

async function checks(): Promise<Check[]> {
  const list = await hostPackages();
  const missing = await missingHostPackages(list);
  const family = await readHostFamily();
  const out: Check[] = toolsChecks(missing, list.length, family, process.getuid?.() === 0);
  out.push(await kvmCheck());
  const recipe = await loadRecipe();
  const appliance = await applianceForRecipe(recipe.recipeHash);
  out.push(
    appliance
      ? { ok: true, text: `appliance: built for this kiln (${appliance.manifest.kernelVersion}) in ${appliance.dir}` }
      : { ok: 'warn', text: 'appliance: not built yet; the first build makes it (a minute or so), or: kiln appliance build' },
  );
  const cache = cacheLayout().root;
  const free = await freeBytes(nearestDir(cache)).catch(() => undefined);
  const gb = (n: number) => `${(n / 1e9).toFixed(1)} GB`;
  out.push(
    free === undefined
      ? { ok: false, text: `cache: ${cache} cannot be examined` }
      : free >= CACHE_SPACE_NEEDED
        ? { ok: true, text: `cache: ${cache}, ${gb(free)} free` }
        : { ok: false, text: `cache: ${cache}, only ${gb(free)} free; a Debian build needs about ${gb(CACHE_SPACE_NEEDED)} there`, detail: ['free space, or point KILN_CACHE_DIR at a larger file system'] },
  );
  return out;
}

async function kvmCheck(): Promise<Check> {
  if (!(await kvmUsable())) {
    return { ok: 'warn', text: 'KVM: /dev/kvm is missing or not yours to open: builds run under TCG (software emulation), several times slower', detail: ['if the host has KVM: add yourself to the kvm group (sudo usermod -aG kvm $USER), then log in again'] };
  }
  // an earlier boot may have found that guests do not run under KVM here (kiln remembers it)
  const version = await qemuVersion().catch(() => undefined);
  const verdict = version ? await new VerdictStore(cacheLayout().accelVerdicts).get(verdictKey(DEFAULT_QEMU, version)) : undefined;
  if (verdict === 'tcg') return { ok: 'warn', text: 'KVM: /dev/kvm opens, but guests did not run under it on this host before: kiln uses TCG (software emulation), several times slower' };
  return { ok: true, text: `KVM: /dev/kvm can be opened${verdict === 'kvm' ? ' and guests ran under it before' : ' (the first boot checks that guests run, and falls back to TCG if not)'}` };
}

/** The cache dir, or the nearest directory above it that exists (before the first build it does not). */
function nearestDir(path: string): string {
  const parts = path.split('/');
  while (parts.length > 1) {
    const p = parts.join('/') || '/';
    if (existsSync(p)) return p;
    parts.pop();
  }
  return '/';
}

export function register(program: Command, status: ExitStatus): void {
  program
    .command('doctor')
    .description('check that this host can build: host tools (with the install command), KVM, the appliance, cache space')
    .action(
      statusAction(status, async () => {
        process.stdout.write(`kiln ${kilnVersion()} on Node ${process.version}\n`);
        const found = await checks();
        process.stdout.write(renderDoctor(found));
        return found.some((c) => c.ok === false) ? 1 : 0;
      }),
    );
}
