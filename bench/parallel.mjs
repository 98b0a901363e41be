#!/usr/bin/env node
// bench/parallel: three builds started at once on one machine vs the same three one after
// another, total wall time of each way, measured in one run; then the helper drive they all
// used checked: converted to a sparse raw file (no root needed) and `e2fsck -n -f`'d, and
// each build's own 8 MiB (bench/elements/cache-writer) either in it whole (its build merged)
// or absent (its additions were dropped: builds at once keep one lineage whole). Run after
// `npm run build`, under the VM lock on shared machines:
//
//   flock /tmp/kiln-vm.lock node bench/parallel.mjs [--debian]
//
// The three builds: the tiny OS (test/fixtures/elements/tiny) three times; --debian makes the
// third one `debian-minimal vm`. The appliance and package caches come from KILN_CACHE_DIR
// (warm, as on a CI worker); the helper drive is the bench's own, a copy of that cache's,
// and one warm-up round (untimed) fills it first.
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const kiln = join(repo, 'dist/bin.js');
const tiny = join(repo, 'test/fixtures/elements/tiny');
const benchElements = join(repo, 'bench/elements');
const debian = process.argv.includes('--debian');
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-parallel-'));
const drive = join(work, 'helper.qcow2');
const cacheDir = (await execa('node', [kiln, 'cache', 'path'])).stdout.trim();

const KINDS = debian ? ['tiny', 'tiny', 'debian'] : ['tiny', 'tiny', 'tiny'];

/** One build; its wall time, exit status and what became of its helper drive overlay. */
async function build(kind, tag) {
  const elements = kind === 'debian' ? ['debian-minimal', 'vm'] : ['-n', 'tiny-os', 'hello-config'];
  const args = ['build', '-p', tiny, '-p', benchElements, '-o', join(work, tag), '-t', 'qcow2', '--drive', drive, '--envvar', `KILN_BENCH_TAG=${tag}`, ...elements, 'cache-writer'];
  const t0 = performance.now();
  const r = await execa('node', [kiln, ...args], { reject: false, all: true });
  const ms = performance.now() - t0;
  const merge = /helper drive: merged/.test(r.all) ? (/in place of/.test(r.all) ? 'merged, replacing a smaller lineage' : 'merged') : /additions are dropped/.test(r.all) ? 'dropped' : 'no merge';
  if (r.exitCode !== 0) console.log(`  ${tag} FAILED (exit ${r.exitCode}):\n    ${r.all.split('\n').slice(-15).join('\n    ')}`);
  rmSync(join(work, `${tag}.qcow2`), { force: true });
  rmSync(join(work, `${tag}.d`), { recursive: true, force: true });
  return { tag, kind, ms, exitCode: r.exitCode, merge };
}

const s = (ms) => `${(ms / 1000).toFixed(0)} s`;
const report = (label, total, results) => {
  console.log(`${label}: ${s(total)} in all`);
  for (const r of results) console.log(`  ${r.tag.padEnd(12)} ${r.kind.padEnd(7)} ${s(r.ms).padStart(6)}  exit ${r.exitCode}, helper drive ${r.merge}`);
};

try {
  if (existsSync(join(cacheDir, 'helper.qcow2'))) copyFileSync(join(cacheDir, 'helper.qcow2'), drive);
  console.log(`kiln bench/parallel: ${KINDS.join(', ')}; appliance and packages from ${cacheDir}; helper drive ${drive}`);
  const warm = await Promise.all([...new Set(KINDS)].map((k, i) => build(k, `warmup-${i}`)));
  report('warm-up (untimed)', 0, warm);

  const t1 = performance.now();
  const seq = [];
  for (const [i, k] of KINDS.entries()) seq.push(await build(k, `seq-${i}`));
  const seqMs = performance.now() - t1;

  const t2 = performance.now();
  const par = await Promise.all(KINDS.map((k, i) => build(k, `par-${i}`)));
  const parMs = performance.now() - t2;

  report('one after another', seqMs, seq);
  report('all three at once', parMs, par);
  console.log(`at once / one after another: ${(parMs / seqMs).toFixed(2)}`);

  // the helper drive after it all: a sparse raw copy, e2fsck'd read-only, and each build's own file checked
  const raw = join(work, 'helper.raw');
  await execa('qemu-img', ['convert', '-O', 'raw', '-S', '4k', drive, raw]);
  const fsck = await execa('e2fsck', ['-n', '-f', raw], { reject: false, all: true });
  console.log(`e2fsck -n -f of the helper drive: exit ${fsck.exitCode} (${fsck.exitCode === 0 ? 'clean' : 'NOT CLEAN'})\n  ${fsck.all.trim().split('\n').slice(-2).join('\n  ')}`);
  const files = (await execa('debugfs', ['-R', 'ls -p /bench', raw], { reject: false })).stdout.split('\n').map((l) => l.split('/')[5]).filter((n) => n && !n.endsWith('.sha256') && n !== '.' && n !== '..');
  const bad = [];
  for (const f of files) {
    const data = (await execa('debugfs', ['-R', `cat /bench/${f}`, raw], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout;
    const want = (await execa('debugfs', ['-R', `cat /bench/${f}.sha256`, raw])).stdout.trim();
    const got = (await execa('sha256sum', [], { input: data })).stdout.split(' ')[0];
    if (want !== got) bad.push(f);
  }
  // what must hold: every file whole; none of a build whose additions were dropped; every file
  // of the builds one after another (each merged onto the one before); of builds at once, one
  // lineage: at least one of them (a later merge may replace an earlier, smaller one whole)
  const merged = new Set([...warm, ...seq, ...par].filter((r) => r.merge.startsWith('merged')).map((r) => r.tag));
  const strays = files.filter((f) => !merged.has(f));
  const missing = seq.filter((r) => !files.includes(r.tag)).map((r) => r.tag);
  for (const [label, group] of [['warm-up', warm], ['at once', par]]) if (!group.some((r) => files.includes(r.tag))) missing.push(`(none of ${label})`);
  console.log(`files of the builds in the helper drive: ${files.sort().join(' ')}; missing: ${missing.join(' ') || 'none'}; of dropped builds: ${strays.join(' ') || 'none'}; damaged: ${bad.join(' ') || 'none'}`);
  process.exitCode = fsck.exitCode === 0 && missing.length === 0 && strays.length === 0 && bad.length === 0 && [...seq, ...par].every((r) => r.exitCode === 0) ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
