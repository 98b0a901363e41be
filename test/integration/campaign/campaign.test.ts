// The bad-input campaign (issue 13): every case in cases.ts run as the built CLI, each
// checked for its exit status, a message that names the culprit, and nothing of what must
// never happen: a stack trace, a hang, a process left running, a temp dir or output file
// left behind, a user's file changed, the cache changed. Most cases fail before any VM
// starts and run two at a time; the few that start QEMU run one after another at the end.
// KILN_WRITE_RELIABILITY_DOC=1 writes docs/reliability.md from the results.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppliance } from '../../../src/appliance/builder.js';
import type { Appliance } from '../../../src/appliance/store.js';
import { createLogger } from '../../../src/log.js';
import { cases, type Case } from './cases.js';
import { renderReliabilityDoc, type CaseResult } from './doc.js';
import { caseUser, diffSnapshots, type CaseDirs, makeCaseDirs, orphanTempDirs, processesNaming, repo, runKiln, snapshot, stackTrace, waitUntil } from './harness.js';

let campaign = '';
let cache = '';
let appliance: Appliance;
let realStore: Map<string, string> | undefined;
let orphansBefore: string[] = [];
const results = new Map<string, CaseResult>();
const t0 = performance.now();

/** Cache files a VM case may change without harm: the helper drive it used, its lock and lineage, the host caches' lock. */
const VM_MAY_CHANGE = /^helper\.qcow2(\.lock|\.lineage)?$|^host-caches\.lock$|^accel-verdicts\.json$/;

beforeAll(async () => {
  campaign = mkdtempSync(join(tmpdir(), 'kiln-campaign-'));
  // the unprivileged cases' user must reach its case dirs
  chmodSync(campaign, 0o755);
  ({ appliance } = await buildAppliance({ logger: createLogger({ write: () => {} }) }));
  // the campaign's own cache: the built appliance linked in, nothing else of the user's cache
  cache = join(campaign, 'cache');
  const store = join(cache, 'appliance');
  mkdirSync(store, { recursive: true, mode: 0o700 });
  symlinkSync(appliance.dir, join(store, appliance.manifest.key));
  writeFileSync(join(store, `recipe-${appliance.manifest.recipeHash}`), `${appliance.manifest.key}\n`);
  // made by the first extra-data.d run (DIB_IMAGE_CACHE on the host): there from the start, so only what goes into it counts
  mkdirSync(join(cache, 'image-cache'), { mode: 0o700 });
  realStore = snapshot(appliance.dir);
  orphansBefore = orphanTempDirs();
}, 600_000);

afterAll(() => {
  // written only from a whole run: a filtered one would leave half a table
  const skipped = cases.filter((c) => c.onlyIf?.() === false).map((c) => c.id);
  if (process.env.KILN_WRITE_RELIABILITY_DOC === '1' && results.size + skipped.length === cases.length) {
    const ordered = cases.flatMap((c) => results.get(c.id) ?? []);
    writeFileSync(join(repo, 'docs/reliability.md'), renderReliabilityDoc(ordered, skipped, (performance.now() - t0) / 1000));
  }
  // every case's output, for reading the messages over
  if (process.env.KILN_CAMPAIGN_DUMP) writeFileSync(process.env.KILN_CAMPAIGN_DUMP, JSON.stringify([...results.values()], null, 2));
  if (campaign) rmSync(campaign, { recursive: true, force: true });
});

/** Two kiln processes at a time: the machine has two cores, and each case is mostly node starting. */
const slots = { free: 2, waiting: [] as (() => void)[] };
async function inSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (slots.free === 0) await new Promise<void>((r) => slots.waiting.push(r));
  else slots.free--;
  try {
    return await fn();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

async function runCase(c: Case): Promise<CaseResult> {
  const d = makeCaseDirs(campaign, c.id, cache);
  c.setup?.(d);
  try {
    return await checkCase(c, d);
  } finally {
    c.teardown?.(d);
  }
}

async function checkCase(c: Case, d: CaseDirs): Promise<CaseResult> {
  const user = c.asUser ? caseUser?.name : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: d.home,
    TMPDIR: d.tmp,
    LANG: 'C.UTF-8',
    // a user's case cannot read the campaign's cache (0700, ours); it fails before it would need one
    KILN_CACHE_DIR: user ? join(d.home, 'cache') : cache,
    ...c.env?.(d),
  };
  const skipCache = (rel: string) => c.vm === true && VM_MAY_CHANGE.test(rel);
  const caseBefore = snapshot(d.root);
  const cacheBefore = snapshot(cache, skipCache);
  const r = await runKiln(c.args(d), { env, user, cwd: d.root, timeoutMs: c.timeoutMs ?? (c.vm ? 120_000 : 30_000) });
  // lock holders and QEMU die with kiln; give them a moment to go
  await waitUntil(() => processesNaming(d.root).length === 0, 5000);
  const problems: string[] = [];
  if (r.timedOut) problems.push(`hang: no exit within ${(c.timeoutMs ?? 30_000) / 1000}s`);
  if (r.status !== c.status) problems.push(`exit status ${r.status ?? r.signal}, expected ${c.status}`);
  const said = `${r.stderr}\n${r.stdout}`;
  if (!c.message.test(said)) problems.push(`the message does not match ${c.message}`);
  if (c.status !== 0 && !c.warning && !/^kiln: error: /m.test(r.stderr)) problems.push('no "kiln: error:" line');
  const trace = stackTrace(r.stderr + r.stdout);
  if (trace) problems.push(`stack trace or crash: ${trace}`);
  const procs = processesNaming(d.root);
  if (procs.length) problems.push(`processes left: ${procs.join('; ')}`);
  const leaks = diffSnapshots(caseBefore, snapshot(d.root)).filter((l) => !(c.mayLeave && l.startsWith('+ ') && c.mayLeave.test(l.slice(2))));
  if (leaks.length) problems.push(`files left or changed: ${leaks.join(', ')}`);
  const cacheChange = diffSnapshots(cacheBefore, snapshot(cache, skipCache));
  if (cacheChange.length) problems.push(`cache changed: ${cacheChange.join(', ')}`);
  const result: CaseResult = {
    id: c.id,
    area: c.area,
    what: c.what,
    status: r.status,
    // the case's own directory and kiln's checkout, spelled the same on every run
    line: messageLine(c, said).replaceAll(d.root, 'CASE').replaceAll(repo, 'KILN').replace(/\.kiln-build-\d+-\w+/g, '.kiln-build-PID-XXXXXX'),
    named: c.message.test(said),
    trace: trace !== undefined,
    hang: r.timedOut,
    leak: procs.length > 0 || leaks.length > 0 || cacheChange.length > 0,
    vm: c.vm === true,
    seconds: r.ms / 1000,
    problems,
    stderr: r.stderr,
  };
  results.set(c.id, result);
  return result;
}

/** The line the table shows: the error's first line, or for a warning case the line that names the culprit. */
function messageLine(c: Case, stderr: string): string {
  const m = c.message.exec(stderr);
  const at = c.warning || !/^kiln: error: /m.test(stderr) ? (m ? m.index : 0) : stderr.search(/^kiln: error: /m);
  const start = stderr.lastIndexOf('\n', at - 1) + 1;
  const end = stderr.indexOf('\n', at);
  return stderr.slice(start, end < 0 ? undefined : end).trim();
}

function check(r: CaseResult): void {
  expect(r.problems, `stderr:\n${r.stderr}`).toEqual([]);
}

describe('bad input, refused before any VM starts', () => {
  for (const c of cases.filter((c) => !c.vm)) {
    it.concurrent.skipIf(c.onlyIf?.() === false)(`${c.area}: ${c.what}`, { timeout: 90_000 }, async () => check(await inSlot(() => runCase(c))));
  }
});

describe('bad input that a VM meets', () => {
  for (const c of cases.filter((c) => c.vm)) {
    it.skipIf(c.onlyIf?.() === false)(`${c.area}: ${c.what}`, { timeout: (c.timeoutMs ?? 120_000) + 30_000 }, async () => check(await runCase(c)));
  }
});

describe('after the campaign', () => {
  it('has at least 100 cases, each with its own id', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('left no kiln temp dir in /tmp and the built appliance as it was', () => {
    expect(orphanTempDirs().filter((n) => !orphansBefore.includes(n))).toEqual([]);
    expect(diffSnapshots(realStore, snapshot(appliance.dir))).toEqual([]);
  });
});
