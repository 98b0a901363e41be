#!/usr/bin/env node
// bench/upstream: DIB's own elements, unchanged, built by kiln with each DIB version there is
// here (bookworm's 3.13 installed, trixie's 3.37 and sid's 3.40 unpacked by scripts/dib-oracles),
// one after another, warm appliance; prints per version every element script that ran, with its
// phase, time and exit status, and the phase totals, as the markdown tables of
// docs/upstream-elements.md (--write puts them there, between its table markers).
// Run after `npm run build`. About 10 minutes per version on a 2-core TCG host.
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stableAliasUsable } from '../test/support/mirror.mjs';

const repo = resolve(import.meta.dirname, '..');
const kiln = join(repo, 'dist/bin.js');
const ELEMENTS = ['debian-minimal', 'vm', 'devuser', 'growroot', 'cloud-init-datasources', 'dhcp-all-interfaces', 'kiln-packages'];
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-upstream-'));

function oracles() {
  const out = [];
  if (existsSync('/usr/lib/python3/dist-packages/diskimage_builder/elements')) out.push({ suite: 'bookworm', version: '3.13', elements: '/usr/lib/python3/dist-packages/diskimage_builder/elements' });
  const r = spawnSync(join(repo, 'scripts/dib-oracles'), [], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n').filter(Boolean)) {
    const [suite, version, root] = line.split('\t');
    out.push({ suite, version, elements: join(root, 'elements') });
  }
  return out;
}

const stableUsable = await stableAliasUsable();

async function buildWith(o) {
  const env = ['--envvar', 'DIB_CLOUD_INIT_DATASOURCES=NoCloud,ConfigDrive', '--envvar', 'DIB_DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security'];
  // bookworm's DIB knows no trixie: it builds its own release; today's DIB asks for stable,
  // named trixie where the mirror's stable alias has expired
  if (o.suite === 'bookworm') env.push('--envvar', 'DIB_RELEASE=bookworm');
  else if (!stableUsable) env.push('--envvar', 'DIB_RELEASE=trixie');
  const args = ['build', '--machine-readable', '-p', o.elements, '-p', join(repo, 'test/fixtures/elements/upstream'), '-o', join(work, `up-${o.suite}`), ...env, ...ELEMENTS];
  const t0 = performance.now();
  const r = await execa('node', [kiln, ...args], { reject: false, stdout: 'ignore', stderr: 'pipe' });
  const events = r.stderr.split('\n').flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
  return { o, ms: performance.now() - t0, exitCode: r.exitCode, events };
}

function table({ o, ms, exitCode, events }) {
  const scripts = events.filter((e) => e.type === 'script' && e.state === 'end');
  const steps = events.filter((e) => e.type === 'step' && e.state === 'end');
  const byElement = new Map();
  for (const s of scripts) {
    const row = byElement.get(s.element) ?? [];
    row.push(`${s.phase}.d/${s.script} (${(s.durationMs / 1000).toFixed(1)} s${s.exitCode ? `, exit ${s.exitCode}` : ''})`);
    byElement.set(s.element, row);
  }
  const error = events.find((e) => e.type === 'error');
  const lines = [
    `### DIB ${o.version} (${o.suite}'s python3-diskimage-builder)`,
    '',
    `Build ${o.suite !== 'bookworm' && !stableUsable ? '(DIB_RELEASE=trixie: the mirror here serves an expired stable alias) ' : ''}${exitCode === 0 ? 'succeeded' : `FAILED (exit ${exitCode})${error ? `: ${error.message}` : ''}`} in ${(ms / 1000).toFixed(0)} s. Phases and steps: ${steps.map((s) => `${s.step} ${(s.durationMs / 1000).toFixed(0)} s`).join(', ')}.`,
    '',
    '| element | scripts that ran (phase, time) |',
    '|---|---|',
    ...[...byElement].sort(([a], [b]) => (a < b ? -1 : 1)).map(([el, rows]) => `| ${el} | ${rows.join('; ')} |`),
    '',
  ];
  return lines.join('\n');
}

try {
  await execa('node', [kiln, 'appliance', 'build']);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const runs = [];
  for (const o of oracles().filter((x) => !only || only.includes(x.suite))) {
    console.error(`building with DIB ${o.version} (${o.suite})...`);
    runs.push(await buildWith(o));
  }
  const md = runs.map(table).join('\n');
  console.log(md);
  if (process.argv.includes('--write')) {
    const doc = join(repo, 'docs/upstream-elements.md');
    const text = readFileSync(doc, 'utf8');
    const [start, end] = ['<!-- bench/upstream: start -->', '<!-- bench/upstream: end -->'];
    const at = text.indexOf(start);
    const next = at < 0 ? `${text.trimEnd()}\n\n## Per version, measured (bench/upstream.mjs)\n\n${start}\n${md}${end}\n` : `${text.slice(0, at + start.length)}\n${md}${text.slice(text.indexOf(end))}`;
    writeFileSync(doc, next);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
