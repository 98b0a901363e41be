// Bench: resolve + collect scripts + stage the whole upstream DIB tree for `debian-minimal vm`
// (what `kiln build debian-minimal vm` does before any VM: base and block-device-mbr added),
// against DIB's own element-info --env for the same set, measured in the same run; and, as a
// second peer, element-info plus DIB's generate_hooks (DIB's resolve + stage).
// Run after `npm run build`:   node bench/elements.mjs [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';

const BUDGET_MS = 200;
const runs = Number(process.argv[2] ?? 20);
const dist = new URL('../dist/elements/index.js', import.meta.url);
if (!existsSync(dist)) fail('dist/elements/index.js is missing: run npm run build first');
const { collectScripts, elementPathFromOptions, resolveElements, stageHooks } = await import(dist.href);

const dib = findDib();
if (!dib) fail('diskimage-builder is not installed (apt-get install python3-diskimage-builder): nothing to bench against');
const names = ['debian-minimal', 'vm'];
const dibNames = ['base', 'debian-minimal', 'vm', 'block-device-mbr']; // what disk-image-create passes element-info

const kiln = [];
let summary = '';
for (let i = 0; i < runs; i++) {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-bench-elements-'));
  const t0 = performance.now();
  const elementPaths = elementPathFromOptions([], { ELEMENTS_PATH: dib.elementsDir }, { builtin: false });
  const resolved = resolveElements({ names, elementPaths, arch: 'amd64' });
  const plan = collectScripts(resolved.elements);
  const staged = stageHooks(resolved, tmp);
  kiln.push(performance.now() - t0);
  summary = `${resolved.elements.length} elements, ${Object.values(plan.phases).flat().length} scripts, ${staged.owners.size} files staged`;
  rmSync(tmp, { recursive: true, force: true });
}

const env = { ...process.env, ELEMENTS_PATH: dib.elementsDir, LANG: 'C' };
const elementInfo = [];
const generateHooks = [];
for (let i = 0; i < Math.min(runs, 10); i++) {
  elementInfo.push(timed(() => spawnSync(dib.python, [join(dib.libDir, 'element-info.py'), '--env', ...dibNames], { env })));
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-bench-dib-'));
  const script = `set -eE; _LIB=${dib.libDir}; source "$_LIB/common-functions"; export TMP_HOOKS_PATH=${tmp}/hooks
    eval "$(${dib.python} "$_LIB/element-info.py" --env ${dibNames.join(' ')})"; generate_hooks >/dev/null`;
  generateHooks.push(timed(() => spawnSync('bash', ['-c', script], { env })));
  rmSync(tmp, { recursive: true, force: true });
}

const k = median(kiln);
process.stdout.write(
  `elements: kiln resolve+scripts+stage debian-minimal vm: ${k.toFixed(1)} ms median, ${kiln[0].toFixed(1)} ms first of ${runs} (${summary}); ` +
    `DIB element-info --env: ${median(elementInfo).toFixed(1)} ms; DIB element-info + generate_hooks: ${median(generateHooks).toFixed(1)} ms; ` +
    `budget ${BUDGET_MS} ms: ${k <= BUDGET_MS && kiln[0] <= BUDGET_MS ? 'ok' : 'OVER'}\n`,
);
if (k > BUDGET_MS) process.exitCode = 1;

function timed(fn) {
  const t0 = performance.now();
  const r = fn();
  if (r.status !== 0) fail(`DIB failed: ${r.stderr}`);
  return performance.now() - t0;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function findDib() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import diskimage_builder, os; print(os.path.dirname(diskimage_builder.__file__))'], { encoding: 'utf8' });
    if (r.status === 0) {
      const pkg = r.stdout.trim();
      return { python, elementsDir: join(pkg, 'elements'), libDir: join(pkg, 'lib') };
    }
  }
  return undefined;
}

function fail(message) {
  process.stderr.write(`bench/elements: ${message}\n`);
  process.exit(2);
}
