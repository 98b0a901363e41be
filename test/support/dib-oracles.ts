// The diskimage-builder versions conformance tests run against: bookworm's 3.13 (installed by
// apt, scripts/test-packages) and the unpacked python3-diskimage-builder of trixie and sid
// (scripts/dib-oracles downloads them once into the cache; later calls only read the cache).
// kiln never needs DIB at run time; only tests do.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DibOracle {
  /** Upstream version, e.g. "3.40.2". */
  version: string;
  /** Where it comes from: "bookworm" (installed), "trixie", "sid" (unpacked). */
  suite: string;
  /** The diskimage_builder package directory: elements/, lib/, the python modules. */
  root: string;
  elementsDir: string;
  libDir: string;
  /** PYTHONPATH that makes `import diskimage_builder` load this version. */
  pythonPath: string;
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INSTALLED = '/usr/lib/python3/dist-packages/diskimage_builder';
/** The python every oracle runs under: Debian's, which has PyYAML (scripts/host-packages). */
export const oraclePython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function oracle(suite: string, version: string, root: string): DibOracle {
  return { suite, version, root, elementsDir: join(root, 'elements'), libDir: join(root, 'lib'), pythonPath: dirname(root) };
}

function installed(): DibOracle | undefined {
  if (!existsSync(join(INSTALLED, 'elements'))) return undefined;
  const info = readdirSync(dirname(INSTALLED)).find((n) => /^diskimage_builder-[\d.]+\.(egg|dist)-info$/.test(n));
  const version = info ? /^diskimage_builder-([\d.]+)\./.exec(info)![1]! : 'installed';
  return oracle('bookworm', version, INSTALLED);
}

let cached: { oracles: DibOracle[]; missing: string[] } | undefined;

/**
 * Every oracle that can be had: the installed one and the unpacked ones (downloaded on first
 * use). `missing` says why one is absent (no python3-diskimage-builder, no network, ...).
 */
export function dibOracles(): { oracles: DibOracle[]; missing: string[] } {
  if (cached) return cached;
  const oracles: DibOracle[] = [];
  const missing: string[] = [];
  const own = installed();
  if (own) oracles.push(own);
  else missing.push(`bookworm: ${INSTALLED} is absent (apt-get install python3-diskimage-builder)`);
  const r = spawnSync(join(repo, 'scripts', 'dib-oracles'), [], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) {
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [suite, version, root] = line.split('\t');
      if (suite && version && root && existsSync(join(root, 'elements'))) oracles.push(oracle(suite, version, root));
    }
  } else {
    missing.push(`trixie/sid: scripts/dib-oracles failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}`);
  }
  cached = { oracles, missing };
  return cached;
}

/** Run python code with one oracle's diskimage_builder importable (stdin as given). */
export function oraclePythonRun(o: DibOracle, code: string, input = '', env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(oraclePython, ['-c', code], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, PYTHONPATH: o.pythonPath, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The version the oracle's own metadata states (a check that PYTHONPATH picked the right one). */
export function oracleReportedVersion(o: DibOracle): string {
  const info = readdirSync(o.pythonPath).find((n) => /^diskimage_builder-[\d.]+\.(egg|dist)-info$/.test(n));
  if (!info) return '';
  const pkgInfo = join(o.pythonPath, info, existsSync(join(o.pythonPath, info, 'PKG-INFO')) ? 'PKG-INFO' : 'METADATA');
  return /^Version: (.*)$/m.exec(readFileSync(pkgInfo, 'utf8'))?.[1] ?? '';
}
