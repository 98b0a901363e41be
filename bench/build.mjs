#!/usr/bin/env node
// bench/build: wall time of `kiln build -o debian debian-minimal vm`, cold (empty helper
// drive and package cache, appliance already built) and warm (same caches), with each
// step's time from the --machine-readable events, for each package set asked for, in one
// run: `--sets trixie,bookworm` (default), `arm64` too where the arm64 appliance can be built.
// Run after `npm run build`.
// Peers, measured on the same kind of machine (2 cores, no KVM) and quoted from the issue:
// virt-dib with DIB's elements 35 min for debian-minimal and then fails; native
// disk-image-create as root 67 s without the disk. Re-measuring them takes over half an
// hour (virt-dib) or root (DIB); --peer-dib runs disk-image-create -t tar if you are root.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const kiln = resolve(import.meta.dirname, '../dist/bin.js');
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-build-'));
const cache = join(work, 'cache');

/** The package sets: the release (and architecture) a build of debian-minimal vm gets. */
const SETS = {
  trixie: [],
  bookworm: ['--envvar', 'DIB_RELEASE=bookworm'],
  arm64: ['-a', 'arm64'],
};
const asked = (process.argv.find((a) => a.startsWith('--sets='))?.slice(7) ?? process.argv[process.argv.indexOf('--sets') + 1] ?? 'trixie,bookworm').split(',');

async function build(label, extra = []) {
  const t0 = performance.now();
  const steps = [];
  const p = execa('node', [kiln, 'build', '--machine-readable', '-o', join(work, label), '--drive', join(work, 'helper.qcow2'), ...extra, 'debian-minimal', 'vm'], {
    env: { KILN_CACHE_DIR: cache },
    reject: false,
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
  });
  let partial = '';
  const tail = [];
  p.stderr.on('data', (c) => {
    const lines = (partial + c).split('\n');
    partial = lines.pop();
    for (const l of lines) {
      try {
        const e = JSON.parse(l);
        if (e.type === 'step' && e.state === 'end') steps.push([e.step, e.durationMs]);
        if (e.type === 'script' && e.state === 'end' && e.durationMs > 5000) steps.push([`  ${e.phase}.d/${e.script}`, e.durationMs]);
        if (e.type === 'warn' || e.type === 'output' || e.type === 'info') tail.push(e.message ?? e.line);
      } catch {
        tail.push(l);
      }
      if (tail.length > 20) tail.shift();
    }
  });
  const r = await p;
  const ms = performance.now() - t0;
  console.log(`\n${label}: ${(ms / 1000).toFixed(0)} s${r.exitCode ? ` (FAILED, exit ${r.exitCode})` : ''}`);
  for (const [s, d] of steps) console.log(`  ${(d / 1000).toFixed(1).padStart(7)} s  ${s}`);
  if (r.exitCode) console.log(`  the build said, last:\n    ${tail.join('\n    ')}`);
  return ms;
}

try {
  // the appliance is built once per cache dir; it is not part of a build's time
  await execa('node', [kiln, 'appliance', 'build'], { env: { KILN_CACHE_DIR: cache } });
  const rows = [];
  for (const set of asked.filter((a) => SETS[a])) {
    if (set === 'arm64') await execa('node', [kiln, 'appliance', 'build', '--arch', 'arm64'], { env: { KILN_CACHE_DIR: cache } });
    const cold = await build(`${set}-cold`, SETS[set]);
    const warm = await build(`${set}-warm`, SETS[set]);
    rows.push({ set, cold, warm });
  }
  console.log('\nkiln debian-minimal vm (one run, one machine):');
  for (const { set, cold, warm } of rows) console.log(`  ${set.padEnd(9)} cold ${(cold / 1000).toFixed(0).padStart(5)} s, warm ${(warm / 1000).toFixed(0).padStart(5)} s (warm/cold ${(warm / cold).toFixed(2)})`);
  console.log('peer (same machine kind, from the issue): virt-dib 2100 s for debian-minimal alone, then fails; disk-image-create as root 67 s, no disk');
  if (process.argv.includes('--peer-dib')) {
    const t0 = performance.now();
    const r = await execa('disk-image-create', ['-o', join(work, 'dib'), '-t', 'tar', 'debian-minimal'], { reject: false, all: true });
    console.log(`peer measured now: disk-image-create -t tar debian-minimal: ${((performance.now() - t0) / 1000).toFixed(0)} s (exit ${r.exitCode})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
