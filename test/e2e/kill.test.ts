// The kill campaign (issue 13): kiln SIGKILLed at five points of a build of the tiny OS,
// each point found from the --machine-readable events on stderr. After each kill: no QEMU
// and no qemu-img left, no temp dir and no work dir, no output, the helper drive clean
// (qemu-img check of the qcow2, e2fsck -n -f of the ext4 in it); at the end the next build
// succeeds. A SIGINT and a SIGTERM end a build within 5 s with 130 / 143 and leave nothing.
// The slow-bulk fixture pauses in root.d and install.d and fills the image with ~150 MB of
// random bytes, so the qcow2 conversion is still running when the last kill comes.
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppliance } from '../../src/appliance/builder.js';
import { createLogger } from '../../src/log.js';
import { orphanTempDirs, processesNaming, qemuImgProcesses, qemuProcesses, waitUntil } from '../support/processes.js';
import { kilnBin, tinyElements } from './helpers.js';

let work = '';
let cache = '';
let tmp = '';
let out = '';
let orphansBefore: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kiln-kill-'));
  // a cache of the test's own: the built appliance linked in, a helper drive made here
  const { appliance } = await buildAppliance({ logger: createLogger({ write: () => {} }) });
  cache = join(work, 'cache');
  mkdirSync(join(cache, 'appliance'), { recursive: true, mode: 0o700 });
  symlinkSync(appliance.dir, join(cache, 'appliance', appliance.manifest.key));
  writeFileSync(join(cache, 'appliance', `recipe-${appliance.manifest.recipeHash}`), `${appliance.manifest.key}\n`);
  tmp = join(work, 'tmp');
  out = join(work, 'out');
  mkdirSync(tmp);
  mkdirSync(out);
  orphansBefore = orphanTempDirs();
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Event {
  type: string;
  step?: string;
  state?: string;
  phase?: string;
  element?: string;
}

interface Build {
  child: ChildProcess;
  events: Event[];
  stderr: () => string;
  /** Resolves with the first event `match` accepts (rejects if kiln exits first). */
  until(match: (e: Event) => boolean): Promise<Event>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

function startBuild(name: string): Build {
  const child = spawn(process.execPath, [kilnBin, 'build', '-n', '-p', tinyElements, '--machine-readable', '--accel', 'tcg', '-o', join(out, name), 'tiny-os', 'slow-bulk'], {
    env: { PATH: process.env.PATH, HOME: work, TMPDIR: tmp, KILN_CACHE_DIR: cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  const waiters: { match: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  let text = '';
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    text += c.toString();
    partial += c.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        continue; // not an event: an error message, say
      }
      events.push(e);
      for (const w of waiters.filter((x) => x.match(e))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  child.stdout!.resume();
  const t0 = performance.now();
  let killedAt = 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, ms: performance.now() - (killedAt || t0) })),
  );
  const originalKill = child.kill.bind(child);
  child.kill = (sig?: NodeJS.Signals | number) => {
    killedAt = performance.now();
    return originalKill(sig);
  };
  return {
    child,
    events,
    stderr: () => text,
    until: (match) =>
      new Promise<Event>((resolve, reject) => {
        const seen = events.find(match);
        if (seen) return resolve(seen);
        waiters.push({ match, resolve });
        void exited.then((x) => reject(new Error(`kiln exited (${x.code ?? x.signal}) before the kill point:\n${text.slice(-3000)}`)));
      }),
    exited,
  };
}

const step = (name: string) => (e: Event) => e.type === 'step' && e.step === name && e.state === 'start';
const script = (phase: string) => (e: Event) => e.type === 'script' && e.phase === phase && e.element === 'slow-bulk' && e.state === 'start';

/** Everything a dead build might leave, as lines (empty when nothing is left). */
function leftovers(name: string): string[] {
  return [
    ...qemuProcesses(work).map((p) => `QEMU: ${p}`),
    ...qemuImgProcesses(work).map((p) => `qemu-img: ${p}`),
    ...processesNaming(work).map((p) => `process: ${p}`),
    ...readdirSync(tmp).map((n) => `temp dir: ${n}`),
    ...readdirSync(out).filter((n) => n.startsWith('.kiln-') || n.startsWith(name)).map((n) => `in the output dir: ${n}`),
  ];
}

/** The helper drive as a later build finds it: qemu-img check of the qcow2, e2fsck -n -f of its ext4 (through a sparse raw copy: no root needed). */
async function helperDriveClean(): Promise<void> {
  const drive = join(cache, 'helper.qcow2');
  const check = await execa('qemu-img', ['check', '-f', 'qcow2', drive], { reject: false });
  expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  const raw = join(work, 'helper.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', '-S', '4k', drive, raw]);
  try {
    const fsck = await execa('e2fsck', ['-n', '-f', raw], { reject: false });
    expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
  } finally {
    rmSync(raw, { force: true });
  }
}

describe('kiln build, killed', () => {
  it('a first build formats the helper drive', { timeout: 300_000 }, async () => {
    const b = startBuild('first');
    const r = await b.exited;
    expect(r.code, b.stderr().slice(-3000)).toBe(0);
    rmSync(join(out, 'first.qcow2'));
    rmSync(join(out, 'first.d'), { recursive: true });
    await helperDriveClean();
  });

  const points: { name: string; at: (b: Build) => Promise<unknown> }[] = [
    // QEMU is up and the guest booting
    { name: 'boot', at: async (b) => (await b.until(step('boot appliance')), await waitUntil(() => qemuProcesses(work).length > 0, 30_000)) },
    { name: 'root.d', at: (b) => b.until(script('root')) },
    { name: 'install.d', at: (b) => b.until(script('install')) },
    { name: 'make filesystems', at: (b) => b.until(step('make filesystems')) },
    // qemu-img convert of ~150 MB of random bytes, caught half way
    { name: 'outputs', at: async (b) => (await b.until(step('outputs')), await waitUntil(() => qemuImgProcesses(work).length > 0, 60_000)) },
  ];

  for (const point of points) {
    it(`SIGKILL at ${point.name}: no QEMU, no qemu-img, no temp or work dir, no output, the helper drive clean`, { timeout: 300_000 }, async () => {
      const name = `killed-${point.name.replace(/\W+/g, '-')}`;
      const b = startBuild(name);
      await point.at(b);
      if (point.name === 'outputs') expect(qemuImgProcesses(work).length, 'qemu-img convert is running when kiln dies').toBeGreaterThan(0);
      b.child.kill('SIGKILL');
      await b.exited;
      // QEMU and qemu-img die with kiln; the lock holders remove the work dir and let go
      await waitUntil(() => leftovers(name).length === 0, 5000);
      expect(leftovers(name)).toEqual([]);
      await helperDriveClean();
    });
  }

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} during install.d: exits ${code} within 5 s and leaves nothing`, { timeout: 300_000 }, async () => {
      const name = `interrupted-${signal}`;
      const b = startBuild(name);
      await b.until(script('install'));
      b.child.kill(signal);
      const r = await b.exited;
      expect(r.code, b.stderr().slice(-2000)).toBe(code);
      expect(r.ms).toBeLessThan(5000);
      expect(b.stderr()).not.toMatch(/^kiln: (error|internal error):|^\s+at /m);
      expect(leftovers(name)).toEqual([]);
      await helperDriveClean();
    });
  }

  it('the next build succeeds, and nothing of the killed ones is left', { timeout: 300_000 }, async () => {
    const b = startBuild('after');
    const r = await b.exited;
    expect(r.code, b.stderr().slice(-3000)).toBe(0);
    expect(existsSync(join(out, 'after.qcow2'))).toBe(true);
    const check = await execa('qemu-img', ['check', join(out, 'after.qcow2')], { reject: false });
    expect(check.exitCode, check.stdout).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['after.d', 'after.qcow2']);
    expect(readdirSync(tmp)).toEqual([]);
    expect(orphanTempDirs().filter((n) => !orphansBefore.includes(n))).toEqual([]);
    await helperDriveClean();
  });
});
