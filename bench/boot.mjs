// Bench: the appliance VM under TCG (or what --accel says). Prints boot-to-ready (median of
// BOOTS), shutdown time, sequential exec round trips (kiln-execd; median, mean, p90), tree put/get MB/s for a ~200 MB tree,
// appliance build cold (fresh KILN_CACHE_DIR) and cached, and the peer figure measured in
// the same run: the libguestfs appliance (`guestfish -a /dev/null run`, direct backend).
// Run after `npm run build`:   node bench/boot.mjs [--accel tcg|kvm|auto] [--boots 5] [--execs 1000] [--smp N] [--no-cold] [--no-peer]
// Targets (issue 2, 2 cores, TCG): boot <= 3 s, exec <= 20 ms, tree >= 100 MB/s, build <= 2 min cold / <= 1 s cached.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { URL } from 'node:url';
import console from 'node:console';
import { vmModules } from './vm-modules.mjs';

const { values: o } = parseArgs({
  options: {
    accel: { type: 'string', default: 'tcg' },
    boots: { type: 'string', default: '5' },
    execs: { type: 'string', default: '1000' },
    'tree-mb': { type: 'string', default: '200' },
    smp: { type: 'string' },
    'no-cold': { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
  },
});
const root = new URL('..', import.meta.url).pathname;
const { ApplianceVm, buildAppliance, logger } = await vmModules();
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
const live = new Set();
process.on('SIGINT', async () => {
  await Promise.allSettled([...live].map((vm) => vm.kill()));
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (label, value, target = '') => console.log(`${label.padEnd(34)} ${value.padEnd(28)} ${target}`);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

console.log(`kiln bench/boot: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, accel ${o.accel}, vCPUs ${o.smp ?? cpus().length}`);
try {
  const { appliance } = await buildAppliance({ logger });
  const boot = () => ApplianceVm.boot({ appliance, logger, accel: o.accel, cpus: o.smp ? Number(o.smp) : undefined }).then((vm) => (live.add(vm), vm));

  // boot-to-ready: QEMU start until SSH answers (vm.bootMs), and the whole boot() call
  const boots = [];
  const calls = [];
  const shutdowns = [];
  for (let i = 0; i < Number(o.boots); i++) {
    const t0 = performance.now();
    const vm = await boot();
    calls.push(performance.now() - t0);
    boots.push(vm.bootMs);
    const t1 = performance.now();
    await vm.shutdown();
    shutdowns.push(performance.now() - t1);
    live.delete(vm);
  }
  line(`boot to ready (median of ${boots.length})`, `${s(median(boots))} [${boots.map((b) => (b / 1000).toFixed(2)).join(' ')}]`, 'target <= 3 s');
  line('  boot() call incl. qemu --version', s(median(calls)));
  line('shutdown (median)', s(median(shutdowns)));

  const vm = await boot();
  await vm.exec('true');
  const n = Number(o.execs);
  const trips = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await vm.exec('true');
    trips.push(performance.now() - t);
    if (r.exitCode !== 0) fail(`exec ${i} exited ${r.exitCode}`);
  }
  const sorted = [...trips].sort((a, b) => a - b);
  const mean = trips.reduce((a, b) => a + b, 0) / n;
  line(`exec round trip (median of ${n})`, `${median(trips).toFixed(1)} ms (mean ${mean.toFixed(1)}, p90 ${sorted[Math.floor(n * 0.9)].toFixed(1)})`, 'target <= 20 ms');

  // ~200 MB tree: 10 big random files + 1000 small ones
  const src = join(work, 'tree');
  const back = join(work, 'back');
  mkdirSync(join(src, 'small'), { recursive: true });
  mkdirSync(back);
  const mb = Number(o['tree-mb']);
  sh(`for i in $(seq 1 10); do head -c ${Math.round((mb * 1048576) / 10)} /dev/urandom > ${src}/blob$i; done; for i in $(seq 1 1000); do echo small $i > ${src}/small/f$i; done`);
  const t1 = performance.now();
  const put = await vm.putTree(src, '/tmp/tree');
  const putS = (performance.now() - t1) / 1000;
  line('tree put (host -> guest tmpfs)', `${(put / 1e6 / putS).toFixed(0)} MB/s (${(put / 1e6).toFixed(0)} MB in ${putS.toFixed(1)} s)`, 'target >= 100 MB/s');
  const t2 = performance.now();
  const got = await vm.getTree('/tmp/tree', back);
  const getS = (performance.now() - t2) / 1000;
  line('tree get (guest -> host)', `${(got / 1e6 / getS).toFixed(0)} MB/s (${(got / 1e6).toFixed(0)} MB in ${getS.toFixed(1)} s)`, 'target >= 100 MB/s');
  await vm.shutdown();
  live.delete(vm);

  if (!o['no-cold']) {
    const cache = join(work, 'cache');
    const cold = cli(['appliance', 'build'], { KILN_CACHE_DIR: cache });
    line('appliance build, cold', cold.ok ? s(cold.ms) : `failed: ${cold.err}`, 'target <= 2 min');
    const warm = cli(['appliance', 'build'], { KILN_CACHE_DIR: cache });
    line('appliance build, cached (process)', warm.ok ? s(warm.ms) : `failed: ${warm.err}`, 'target <= 1 s');
  }

  if (!o['no-peer']) peer();
  console.log(`load at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await Promise.allSettled([...live].map((vm) => vm.kill()));
  rmSync(work, { recursive: true, force: true });
}

/** libguestfs' appliance boot on this machine, same run: guestfish -a /dev/null run. */
function peer() {
  if (spawnSync('guestfish', ['--version']).status !== 0) {
    line('peer: libguestfs appliance', 'not measured: guestfish is not installed (apt-get install libguestfs-tools)');
    return;
  }
  const hostKernel = process.env.SUPERMIN_KERNEL || (existsSync('/boot') && readdirSync('/boot').some((f) => f.startsWith('vmlinuz')));
  if (!hostKernel) {
    line('peer: libguestfs appliance', 'not measured: supermin needs a host kernel in /boot and /lib/modules, and this host has none');
    console.log('  (point SUPERMIN_KERNEL, SUPERMIN_MODULES and SUPERMIN_KERNEL_VERSION at an unpacked kernel package to measure it)');
    return;
  }
  const env = { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: o.accel === 'tcg' ? 'force_tcg' : '', LIBGUESTFS_CACHEDIR: join(work, 'guestfs') };
  mkdirSync(env.LIBGUESTFS_CACHEDIR);
  // the first run builds libguestfs' supermin appliance; time the later ones, as kiln's is cached too
  const runs = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const r = spawnSync('guestfish', ['-a', '/dev/null', 'run'], { env: { ...env, LIBGUESTFS_DEBUG: '1' }, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      const why = (r.stderr || r.error?.message || '').split('\n').filter((l) => /error|exception|failure/i.test(l)).slice(0, 2).join(' / ');
      line('peer: libguestfs appliance', `could not run: ${why}`);
      return;
    }
    runs.push(performance.now() - t0);
  }
  line('peer: guestfish -a /dev/null run', `${s(median(runs.slice(1)))} [${runs.slice(1).map((r) => (r / 1000).toFixed(1)).join(' ')}] (first, building supermin: ${s(runs[0])})`, 'same machine, same run');
}

function cli(args, env) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'dist/bin.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 });
  return { ok: r.status === 0, ms: performance.now() - t0, err: (r.stderr ?? '').trim().split('\n').slice(-2).join(' / ') };
}

function sh(script) {
  const r = spawnSync('sh', ['-c', script], { stdio: 'inherit' });
  if (r.status !== 0) fail(`setup failed: ${script}`);
}

function fail(msg) {
  console.error(`bench/boot: ${msg}`);
  process.exit(1);
}
