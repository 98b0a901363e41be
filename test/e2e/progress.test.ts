// What a person sees, end to end (issue 18). kiln as a user gets it: `npm pack`, installed
// globally into a fresh prefix by a user who is not root, then docs/first-element.md followed
// literally (every `sh` block, in order) with its `kiln build` under a pseudo-terminal (tmux),
// whose screen is read while root.d runs. Then the cheapest failing build twice: under
// --machine-readable (its last event), and with stderr to a file on a terminal (plain lines).
// One warm Debian build: run after debian.test.ts (vitest.config.ts's E2E_ORDER); as root, the
// warm caches are copied to the unprivileged user.
import { execa, type Options } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir } from '../../src/cache/layout.js';
import { leftovers, repo, snapshotLeftovers, tinyElements } from './helpers.js';

const before = await snapshotLeftovers();
const t0 = performance.now();
const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-progress-'));
const asRoot = process.getuid?.() === 0;
/** As root, everything runs as nobody: a user with no privilege at all. */
const NOBODY = 65534;
const home = join(work, 'home');
const prefix = join(work, 'prefix');
const guide = join(work, 'guide');
const sock = join(work, 'tmux.sock');

/** What a user's shell has for the network besides: a proxy, the CA that signs what it serves (npm needs them). */
const NETWORK_VARIABLES = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'npm_config_registry'];

const env: Record<string, string> = {
  ...Object.fromEntries(NETWORK_VARIABLES.filter((k) => process.env[k]).map((k) => [k, process.env[k]!])),
  HOME: home,
  // tmux runs its commands with $SHELL, else the account's shell (nobody's is nologin)
  SHELL: '/bin/sh',
  PATH: `${prefix}/bin:${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
  // not root: the user's own warm cache; as root, the copy in the user's home is the default place
  ...(!asRoot && process.env.KILN_CACHE_DIR ? { KILN_CACHE_DIR: process.env.KILN_CACHE_DIR } : {}),
};

/** A command as the user, with exactly `env`. */
function asUser(file: string, args: string[], opts: Options = {}) {
  const [f, a] = asRoot ? ['setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', file, ...args]] : [file, args];
  return execa(f, a, { env, extendEnv: false, reject: false, ...opts });
}

/** Give the tree to the user (as root); symlinks themselves, not what they point at. */
async function own(path: string): Promise<void> {
  if (asRoot) await execa('chown', ['-R', '-h', `${NOBODY}:${NOBODY}`, path]);
}

/** The warm caches the earlier e2e files filled, for a user who is not their owner: what a Debian build reads. */
function copyWarmCache(to: string): void {
  const from = cacheDir();
  mkdirSync(to, { recursive: true, mode: 0o700 });
  if (!existsSync(from)) return;
  for (const name of readdirSync(from)) {
    // the lock files are the owner's; the repository images are per package set (the guide's differs); the oracles are tests'
    if (name.endsWith('.lock') || name === 'repo-images' || name === 'dib-oracles') continue;
    cpSync(join(from, name), join(to, name), { recursive: true, preserveTimestamps: true });
  }
}

/** Run `command` in a tmux session of its own on a 120x40 terminal; the screens while it runs, and its exit status. */
async function inTerminal(name: string, cwd: string, command: string, watch: (screen: string) => void, timeoutMs: number): Promise<number> {
  const rc = join(work, `${name}.rc`);
  const tmux = (...args: string[]) => asUser('tmux', ['-S', sock, ...args]);
  const started = await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', cwd, `bash -c ${shq(`${command}\necho $? > ${rc}`)}; sleep 600`);
  expect(started.exitCode, started.stderr).toBe(0);
  const deadline = performance.now() + timeoutMs;
  while (!existsSync(rc) && performance.now() < deadline) {
    const s = await tmux('capture-pane', '-p', '-t', name);
    // the session ends only after the command (sleep): gone early means the command never ran
    if (s.exitCode !== 0 && !existsSync(rc)) throw new Error(`the tmux session ${name} is gone: ${s.stderr}`);
    watch(s.stdout);
    await new Promise((r) => setTimeout(r, 250));
  }
  watch((await tmux('capture-pane', '-p', '-t', name)).stdout);
  await tmux('kill-session', '-t', name);
  return existsSync(rc) ? Number(readFileSync(rc, 'utf8')) : -1;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The `sh` blocks of docs/first-element.md, in order: what the guide tells a person to type. */
const blocks = [...readFileSync(join(repo, 'docs/first-element.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

let packed = '';
let installMs = 0;

beforeAll(async () => {
  for (const d of [home, prefix, guide]) mkdirSync(d, { recursive: true });
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: repo });
  packed = join(work, pack.stdout.trim().split('\n').pop()!);
  if (asRoot) copyWarmCache(join(home, '.cache', 'kiln'));
  // the cheap failing builds' elements, where the user can read them
  cpSync(tinyElements, join(work, 'tiny'), { recursive: true });
  await own(work);
  const t = performance.now();
  const install = await asUser('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', packed], { cwd: home });
  installMs = performance.now() - t;
  expect(install.exitCode, install.all ?? install.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await asUser('tmux', ['-S', sock, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
  console.log(`progress e2e: ${((performance.now() - t0) / 1000).toFixed(0)}s in all (npm install ${(installMs / 1000).toFixed(0)}s)`);
});

describe('kiln, installed from its npm package by a user who is not root', () => {
  it('is a package named kiln-dib whose kiln runs', async () => {
    expect(packed).toMatch(/kiln-dib-[\d.]+\.tgz$/);
    const v = await asUser('kiln', ['--version']);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    expect((await asUser('id', ['-u'])).stdout.trim()).not.toBe('0');
  });

  it('kiln doctor finds the host ready, and names the cache it will use', async () => {
    const r = await asUser('kiln', ['doctor'], { cwd: home });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain('✓ host tools: all');
    expect(r.stdout).not.toContain('✗');
    expect(r.stdout).toMatch(/cache: \S+, [\d.]+ GB free/);
  });

  it('kiln completion bash comes from the installed program', async () => {
    const r = await asUser('kiln', ['completion', 'bash']);
    expect(r.stdout).toContain('complete -o filenames -F _kiln kiln kiln-dib');
  });
});

describe('docs/first-element.md, followed literally, with its build on a terminal', () => {
  const screens: string[] = [];
  const outputs: string[] = [];
  let buildStatus = -1;
  let buildMs = 0;

  beforeAll(async () => {
    for (const block of blocks) {
      if (/^kiln build /m.test(block)) {
        const t = performance.now();
        buildStatus = await inTerminal('guide', guide, block, (s) => void screens.push(s), 1_500_000);
        buildMs = performance.now() - t;
        continue;
      }
      const r = await asUser('bash', ['-e', '-c', block], { cwd: guide, all: true });
      outputs.push(r.all ?? '');
      expect(r.exitCode, `${block}\n${r.all}`).toBe(0);
    }
  }, 1_800_000);

  it('runs every block of the guide, and the build succeeds', () => {
    expect(blocks.filter((b) => /^kiln build /m.test(b))).toHaveLength(1);
    if (buildStatus !== 0) console.log(screens.at(-1), existsSync(join(guide, 'hello.log')) ? readFileSync(join(guide, 'hello.log'), 'utf8').slice(-5000) : '');
    expect(buildStatus).toBe(0);
    console.log(`the guide's build: ${(buildMs / 1000).toFixed(0)}s`);
  });

  it("makes an image with the element's file in it", () => {
    expect(outputs.at(-1)!.trim()).toBe('hello from kiln');
    expect(existsSync(join(guide, 'hello.qcow2'))).toBe(true);
  });

  it('shows the running root.d script and its time moving while root.d runs', () => {
    // e.g. "▸ [7/31] root.d  12s ... total 1m40s" and under it "  debootstrap/08-debootstrap  11s"
    const during = screens
      .map((s) => ({ s, step: /▸ \[\d+\/\d+\] root\.d {2}(\S+)/.exec(s), script: /^ {2}(\S+\/\S+) {2}((?:\d+h)?(?:\d+m)?\d+s)$/m.exec(s) }))
      .filter((x) => x.step && x.script);
    expect(during.length, screens.slice(-3).join('\n----\n')).toBeGreaterThan(1);
    const times = new Set(during.map((x) => `${x.script![1]} ${x.script![2]}`));
    expect(times.size, [...times].join(', ')).toBeGreaterThan(1);
    const sample = during[Math.floor(during.length / 2)]!.s;
    expect(sample).toMatch(/total (\d+m)?\d+s/);
    console.log(`the screen while root.d runs:\n${sample.trimEnd()}`);
  });

  it('ends with the summary table: per-step times and the slowest element scripts', () => {
    const last = screens.at(-1)!;
    expect(last).toContain('kiln: build finished in');
    expect(last).toContain('slowest element scripts');
    console.log(`the screen at the end:\n${last.trimEnd()}`);
  });

  it('writes plain lines to --logfile, with every line of element output', () => {
    const log = readFileSync(join(guide, 'hello.log'), 'utf8');
    expect(log).not.toContain('\x1b');
    expect(log).toMatch(/^kiln: \[\d+\/\d+\] root\.d\.\.\.$/m);
    expect(log).toContain('kiln: [install] hello/50-hello');
    expect(log).toMatch(/^tree v\d/m);
  });
});

describe('the cheapest failing build', () => {
  const failing = (out: string) => ['build', '-n', '-p', join(work, 'tiny'), '-o', join(work, out, 'broken'), 'tiny-os', 'failing-root'];

  it('under --machine-readable ends with a JSON error event naming element, phase, script and exit code', async () => {
    const r = await asUser('kiln', [...failing('json'), '--machine-readable'], { cwd: work });
    expect(r.exitCode).toBe(1);
    const events = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.every((e) => e.v === 1)).toBe(true);
    expect(events.some((e) => e.type === 'script' && e.script === '20-fail' && e.state === 'start')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', exitCode: 1, kind: 'failed', error: 'PhaseScriptError', element: 'failing-root', phase: 'root', script: '20-fail', scriptExitCode: 3, tail: ['failing-root: about to fail'] });
    expect(events.filter((e) => e.type === 'error' || e.type === 'result')).toHaveLength(1);
  }, 600_000);

  it('with stderr to a file, on a terminal, prints plain lines without escape codes', async () => {
    mkdirSync(join(work, 'plain'));
    await own(join(work, 'plain'));
    const log = join(work, 'plain', 'stderr.log');
    const status = await inTerminal('plain', work, `kiln ${failing('plain').map(shq).join(' ')} 2>${log}`, () => {}, 600_000);
    expect(status).toBe(1);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain('\x1b');
    expect(text).toMatch(/^kiln: \[\d+\/\d+\] root\.d\.\.\.$/m);
    expect(text).toContain('kiln: [root] failing-root/20-fail\n');
    expect(text).toContain('kiln: error: element failing-root: root.d/20-fail exited with status 3\n');
    // every line is kiln's, or the failing script's tail under its heading
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(kiln: | {2}|last \d+ lines? of its output:$)/);
  }, 600_000);

  it('leaves no QEMU and no temp dirs behind', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
