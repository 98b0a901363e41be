// Bench: the two bulk lanes alone, several rounds in one VM so a figure is a median, not one
// sample on a shared machine: tree put (transfer drive, host -> guest tmpfs) and tree get
// (data port, guest -> host) of the same ~200 MB tree as bench/boot.mjs (10 random blobs,
// 1000 small files). Prints every round and the medians.
// Run after `npm run build`:   node bench/transfer.mjs [--rounds 5] [--tree-mb 200] [--accel tcg|kvm|auto]
// Target (issue 2, 2 cores, TCG): >= 100 MB/s each way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import console from 'node:console';
import { vmModules } from './vm-modules.mjs';

const { values: o } = parseArgs({
  options: {
    accel: { type: 'string', default: 'tcg' },
    rounds: { type: 'string', default: '5' },
    'tree-mb': { type: 'string', default: '200' },
  },
});
const { ApplianceVm, buildAppliance, logger } = await vmModules();
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-transfer-'));
let vm;
process.on('SIGINT', async () => {
  await vm?.kill();
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const mb = Number(o['tree-mb']);
  const src = join(work, 'tree');
  mkdirSync(join(src, 'small'), { recursive: true });
  const r = spawnSync('sh', ['-c', `for i in $(seq 1 10); do head -c ${Math.round((mb * 1048576) / 10)} /dev/urandom > ${src}/blob$i; done; for i in $(seq 1 1000); do echo small $i > ${src}/small/f$i; done`], { stdio: 'inherit' });
  if (r.status !== 0) fail('could not make the tree');
  const { appliance } = await buildAppliance({ logger });
  vm = await ApplianceVm.boot({ appliance, logger, accel: o.accel });
  console.log(`kiln bench/transfer: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, accel ${o.accel}, ${mb} MB tree, ${o.rounds} rounds`);
  const puts = [];
  const gets = [];
  for (let i = 0; i < Number(o.rounds); i++) {
    const back = join(work, `back${i}`);
    mkdirSync(back);
    const t1 = performance.now();
    const put = await vm.putTree(src, '/tmp/tree');
    puts.push(put / 1e6 / ((performance.now() - t1) / 1000));
    const t2 = performance.now();
    const got = await vm.getTree('/tmp/tree', back);
    gets.push(got / 1e6 / ((performance.now() - t2) / 1000));
    await vm.exec('rm -rf /tmp/tree');
    rmSync(back, { recursive: true, force: true });
    console.log(`round ${i + 1}: put ${puts.at(-1).toFixed(0)} MB/s, get ${gets.at(-1).toFixed(0)} MB/s (${(put / 1e6).toFixed(0)} MB, load ${loadavg()[0].toFixed(1)})`);
  }
  console.log(`tree put (transfer drive)  median ${median(puts).toFixed(0)} MB/s  [${puts.map((x) => x.toFixed(0)).join(' ')}]`);
  console.log(`tree get (data port)       median ${median(gets).toFixed(0)} MB/s  [${gets.map((x) => x.toFixed(0)).join(' ')}]`);
  await vm.shutdown();
} finally {
  await vm?.kill();
  rmSync(work, { recursive: true, force: true });
}

function fail(msg) {
  console.error(`bench/transfer: ${msg}`);
  process.exit(1);
}
