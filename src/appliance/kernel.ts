// The appliance kernel: vmlinuz and only the modules the appliance needs (with their
// dependencies), taken from a Debian kernel package, indexed by depmod.
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplianceError } from '../errors.js';
import { run } from '../host/run.js';

export interface ModuleSpec {
  name: string;
  /** Loaded by the initramfs, before the root is mounted. */
  boot: boolean;
}

export interface KernelResult {
  version: string;
  vmlinuz: string;
  /** Relative paths (kernel/...ko) of the boot modules in load order, dependencies first. */
  bootModules: string[];
  modulesDir: string;
}

export function parseModuleList(text: string): ModuleSpec[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const words = l.split(/\s+/);
      return words[0] === 'boot' ? { name: words[1]!, boot: true } : { name: words[0]!, boot: false };
    });
}

/** modules.dep as a map from a module's path to its dependencies' paths. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [mod, rest] = line.split(':');
    if (!mod) continue;
    deps.set(mod.trim(), (rest ?? '').trim().split(/\s+/).filter(Boolean));
  }
  return deps;
}

export function moduleName(path: string): string {
  return path.replace(/^.*\//, '').replace(/\.ko(\..*)?$/, '').replace(/-/g, '_');
}

/**
 * The module files to load for `names`, dependencies before dependants. Names the kernel
 * has built in are skipped; unknown names are an error (a typo in appliance/modules).
 */
export function moduleClosure(names: string[], deps: Map<string, string[]>, builtin: Set<string>): string[] {
  const byName = new Map([...deps.keys()].map((p) => [moduleName(p), p]));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const d of deps.get(path) ?? []) visit(d);
    order.push(path);
  };
  for (const n of names) {
    const path = byName.get(n.replace(/-/g, '_'));
    if (path) visit(path);
    else if (!builtin.has(n.replace(/-/g, '_'))) {
      throw new ApplianceError(`kernel module ${n} (appliance/modules) is neither a module nor built into this kernel`, {
        hint: 'remove it from appliance/modules or pick another kernel package in appliance/kernel',
      });
    }
  }
  return order;
}

/** Unpack the kernel package into `scratch`, then copy vmlinuz + the wanted modules into `root`. */
export async function installKernel(deb: string, scratch: string, root: string, modules: ModuleSpec[]): Promise<KernelResult> {
  await run('dpkg-deb', ['-x', deb, scratch], { what: `unpack the kernel package ${deb}` });
  const versions = await readdir(join(scratch, 'lib/modules'));
  const version = versions[0];
  if (!version || versions.length !== 1) throw new ApplianceError(`kernel package ${deb} holds ${versions.length} module trees, expected one`);
  await run('depmod', ['-b', scratch, version], { what: 'index the kernel modules (depmod)' });
  const src = join(scratch, 'lib/modules', version);
  const deps = parseModulesDep(await readFile(join(src, 'modules.dep'), 'utf8'));
  const builtin = new Set((await readFile(join(src, 'modules.builtin'), 'utf8')).split('\n').filter(Boolean).map(moduleName));
  const all = moduleClosure(modules.map((m) => m.name), deps, builtin);
  const boot = moduleClosure(modules.filter((m) => m.boot).map((m) => m.name), deps, builtin);

  const dest = join(root, 'lib/modules', version);
  for (const rel of all) {
    await mkdir(dirname(join(dest, rel)), { recursive: true });
    await copyFile(join(src, rel), join(dest, rel));
  }
  for (const f of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) await copyFile(join(src, f), join(dest, f));
  await run('depmod', ['-b', root, version], { what: 'index the appliance kernel modules (depmod)' });
  return { version, vmlinuz: join(scratch, 'boot', `vmlinuz-${version}`), bootModules: boot, modulesDir: dest };
}
