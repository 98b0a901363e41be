// The QEMU binary: found and asked its version before anything slow happens, so a missing
// QEMU is a clear MissingToolError in a second, not after an appliance build.
import { ApplianceError, MissingToolError } from '../errors.js';
import { run } from '../host/run.js';

export const DEFAULT_QEMU = 'qemu-system-x86_64';

const versions = new Map<string, Promise<string>>();

/** First line of `qemu --version`; `explicit` says the user named the binary (--qemu, KILN_QEMU). */
export function qemuVersion(qemu: string = DEFAULT_QEMU, explicit = qemu !== DEFAULT_QEMU): Promise<string> {
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
        hint: 'point --qemu (or KILN_QEMU) at a qemu-system-x86_64 binary, or unset it to use qemu-system-x86_64 from PATH (apt-get install qemu-system-x86)',
        cause: e,
      });
    }
    if (e instanceof MissingToolError) throw e;
    throw new ApplianceError(`${qemu} does not run: ${(e as Error).message}`, { hint: 'reinstall qemu-system-x86 or pass another QEMU binary with --qemu', cause: e });
  }
}
