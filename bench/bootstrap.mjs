#!/usr/bin/env node
// bench/bootstrap: how long the debootstrap element's root.d takes to make the base tree in
// the appliance, with mmdebstrap (kiln's choice from its local repository) against
// debootstrap (the peer: what kiln used before, and DIB without mmdebstrap), in one run, on
// the same caches. Each `debian-minimal vm` build is made with DIB_DEBOOTSTRAP_CACHE=0 so the
// tree is made every time; DIB_DEBOOTSTRAP_EXTRA_ARGS=--verbose is what sends the element to
// debootstrap (mmdebstrap does not take debootstrap's arguments). `--rounds N` (default 1)
// alternates the two N times. Run after `npm run build`.
// Measured here (2 cores, TCG, --rounds 2): mmdebstrap 66.5 s, 61.5 s; debootstrap 77.6 s, 74.5 s.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const kiln = resolve(import.meta.dirname, '../dist/bin.js');
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-bootstrap-'));
// a fresh cache unless KILN_CACHE_DIR names one (the trees are not cached either way)
const env = { KILN_CACHE_DIR: process.env.KILN_CACHE_DIR ?? join(work, 'cache'), DIB_DEBOOTSTRAP_CACHE: '0' };
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 1;

/** The root.d script's time from the build's --machine-readable events. */
async function bootstrapMs(label, extraEnv) {
  const names = ['DIB_DEBOOTSTRAP_CACHE', ...Object.keys(extraEnv)];
  const r = await execa('node', [kiln, 'build', '--machine-readable', ...names.flatMap((n) => ['--envvar', n]), '-o', join(work, label), 'debian-minimal', 'vm'], {
    env: { ...env, ...extraEnv },
    reject: false,
  });
  const events = r.stderr.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
  const end = events.find((e) => e.type === 'script' && e.state === 'end' && e.script === '08-debootstrap');
  if (r.exitCode !== 0 || !end) throw new Error(`${label}: the build failed (exit ${r.exitCode}):\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  return end.durationMs;
}

try {
  // the appliance and the host's package downloads first: neither is part of what is measured
  await execa('node', [kiln, 'appliance', 'build'], { env });
  await bootstrapMs('warm-up', {});
  const times = { mmdebstrap: [], debootstrap: [] };
  for (let i = 0; i < rounds; i++) {
    times.mmdebstrap.push(await bootstrapMs(`mm${i}`, {}));
    times.debootstrap.push(await bootstrapMs(`db${i}`, { DIB_DEBOOTSTRAP_EXTRA_ARGS: '--verbose' }));
  }
  const fmt = (ms) => ms.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ');
  console.log(`root.d/08-debootstrap, trixie minbase + systemd-sysv,ca-certificates, ${rounds} round(s):`);
  console.log(`  kiln (mmdebstrap):   ${fmt(times.mmdebstrap)}`);
  console.log(`  peer (debootstrap):  ${fmt(times.debootstrap)}`);
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  console.log(`  mmdebstrap/debootstrap: ${(sum(times.mmdebstrap) / sum(times.debootstrap)).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
