// diskimage-builder as the test oracle: Debian's python3-diskimage-builder, run in ONE python
// process per batch (python start-up is most of what one element-info call costs).
// kiln never needs DIB at run time; only these tests do. When DIB is not installed the
// oracle tests are skipped with a message saying so (CI installs it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Dib {
  python: string;
  /** diskimage_builder package dir. */
  pkgDir: string;
  elementsDir: string;
  libDir: string;
}

export type DibOutcome = { ok: string[] } | { error: string; message: string };

function findDib(): Dib | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import diskimage_builder, os; print(os.path.dirname(diskimage_builder.__file__))'], { encoding: 'utf8' });
    if (r.status === 0) {
      const pkgDir = r.stdout.trim();
      const elementsDir = join(pkgDir, 'elements');
      if (existsSync(elementsDir)) return { python, pkgDir, elementsDir, libDir: join(pkgDir, 'lib') };
    }
  }
  return undefined;
}

export const dib: Dib | undefined = findDib();
export const noDibReason = 'diskimage-builder is not installed (apt-get install python3-diskimage-builder): oracle tests skipped';

// Reads [{paths, names}] as JSON on stdin; prints, per case, the sorted expansion DIB's
// element-info computes (get_elements: the same call its main() makes) or the exception.
const EXPAND = `
import json, logging, sys
logging.disable(logging.CRITICAL)
from diskimage_builder import element_dependencies as ed
out = []
for case in json.load(sys.stdin):
    try:
        out.append({"ok": sorted(name for name, _ in ed.get_elements(case["names"], ":".join(case["paths"])))})
    except Exception as e:
        out.append({"error": type(e).__name__, "message": str(e)})
print(json.dumps(out))
`;

export function dibExpand(cases: { paths: string[]; names: string[] }[]): DibOutcome[] {
  if (!dib) throw new Error(noDibReason);
  const r = spawnSync(dib.python, ['-c', EXPAND], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`DIB oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as DibOutcome[];
}

/** DIB's element-info --env output for names on paths (its real CLI entry point). */
export function dibEnv(paths: string[], names: string[]): { stdout: string; status: number | null; stderr: string } {
  if (!dib) throw new Error(noDibReason);
  const r = spawnSync(dib.python, [join(dib.libDir, 'element-info.py'), '--env', ...names], {
    encoding: 'utf8',
    env: { ...process.env, ELEMENTS_PATH: paths.join(':') },
  });
  return { stdout: r.stdout, status: r.status, stderr: r.stderr };
}

/** Run a bash snippet with DIB's common-functions sourced and _LIB set, under set -eE as disk-image-create runs. */
export function dibBash(script: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string; status: number | null } {
  if (!dib) throw new Error(noDibReason);
  const r = spawnSync('bash', ['-c', `set -eE\n_LIB=${dib.libDir}\nDIB_PYTHON_EXEC=${dib.python}\nsource "$_LIB/common-functions"\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C', LC_ALL: '', ...env },
    maxBuffer: 64 << 20,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Kiln error class -> the DIB exception that reports the same condition. */
export const dibExceptionFor: Record<string, string> = {
  MissingElementError: 'MissingElementException',
  AlreadyProvidedError: 'AlreadyProvidedException',
  MissingOSError: 'MissingOSException',
  ElementPathError: 'InvalidElementDir',
};
