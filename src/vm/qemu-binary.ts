// The QEMU binary: found and asked its version before anything slow happens, so a missing
// QEMU is a clear MissingToolError in a second, not after an appliance build.
import { archFacts, type Arch } from '../arch.js';
import { ApplianceError, MissingToolError } from '../errors.js';
import { run } from '../host/run.js';

export const DEFAULT_QEMU = 'qemu-system-x86_64';

/** The QEMU binary for a guest architecture when the user named none. */
export function defaultQemu(arch: Arch = 'amd64'): string {
  return archFacts[arch].qemu;
}

const versions = new Map<string, Promise<string>>();

/** First line of `qemu --version`; `explicit` says the user named the binary (--qemu, KILN_QEMU). */
export function qemuVersion(qemu: string = DEFAULT_QEMU, explicit = !Object.values(archFacts).some((f) => f.qemu === qemu)): Promise<string> {
  let v = versions.get(qemu);
  if (!v) {
    v = probe(qemu, explicit);
    versions.set(qemu, v);
    // a failure is not remembered: the user may install QEMU and retry in the same process
    v.catch(() => versions.delete(qemu));
  }
  return v;
}

async function probe(qemu: string, explicit: boolean): Promise<string> {
  try {
    const r = await run(qemu, ['--version'], { what: 'start QEMU' });
    return r.stdout.split('\n')[0] ?? '';
  } catch (e) {
    if (e instanceof MissingToolError && explicit) {
      throw new ApplianceError(`the QEMU binary ${qemu} does not exist; kiln needs it to boot the appliance`, {
        hint: `point --qemu (or KILN_QEMU) at a ${Object.values(archFacts).map((f) => f.qemu).join(' or ')} binary, or unset it to use the one on PATH (apt-get install ${Object.values(archFacts).map((f) => f.qemuPackage).join(' / ')})`,
        cause: e,
      });
    }
    if (e instanceof MissingToolError) throw e;
    const pkg = Object.values(archFacts).find((f) => f.qemu === qemu)?.qemuPackage ?? 'qemu-system-x86';
    throw new ApplianceError(`${qemu} does not run: ${(e as Error).message}`, { hint: `reinstall ${pkg} or pass another QEMU binary with --qemu`, cause: e });
  }
}
