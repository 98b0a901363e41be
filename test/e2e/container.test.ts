// kiln's container image, for real (issue 17): scripts/container-image builds it as an
// ordinary user with rootless podman (its base made here from Debian packages: no registry);
// the image then runs under rootless podman with no --privileged, every capability dropped,
// no devices (so TCG) and a read-only root, and builds debian-minimal vm for bookworm into a
// mounted directory with its cache on a named volume; a second container boots the result to
// a login prompt. As root (CI) the test switches to an ordinary user of its own.
//
// The test keeps podman's storage (images, the cache volume) in a directory of its own, so
// it starts cold whatever the user did before, and removes it afterwards.
import { execa } from 'execa';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from './helpers.js';

const USER = 'kiln-podman';
const isRoot = process.getuid?.() === 0;

/** The ordinary user podman runs as: ourselves, or (as root) kiln-podman with subordinate ids. */
function ordinaryUser(): { name: string; uid: number; gid: number; home: string } {
  if (!isRoot) {
    const name = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    return { name, uid: process.getuid!(), gid: process.getgid!(), home: process.env.HOME ?? '/' };
  }
  if (spawnSync('id', ['-u', USER]).status !== 0) execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', USER]);
  // rootless podman and mmdebstrap --mode=unshare map 65536 ids of the user's
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.some((l) => l.startsWith(`${USER}:`))) continue;
    const end = Math.max(100000, ...lines.map((l) => l.split(':')).map(([, start, n]) => Number(start) + Number(n)));
    execFileSync('usermod', [file === '/etc/subuid' ? '--add-subuids' : '--add-subgids', `${end}-${end + 65535}`, USER]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  const home = execFileSync('getent', ['passwd', USER], { encoding: 'utf8' }).split(':')[5]!;
  return { name: USER, uid: id('-u'), gid: id('-g'), home };
}

/** podman's OCI runtime here: crun refuses v1 and hybrid cgroups, runc runs on them. */
function runtimeArgs(): string[] {
  const fsType = execFileSync('stat', ['-fc', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).trim();
  const haveRunc = spawnSync('sh', ['-c', 'command -v runc']).status === 0;
  return fsType !== 'cgroup2fs' && haveRunc ? ['--runtime', 'runc'] : [];
}

for (const tool of ['podman', 'mmdebstrap', 'newuidmap']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: install scripts/test-packages (scripts/setup --with-test-packages)`);
}

const user = ordinaryUser();
const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-container-'));
const ctx = join(work, 'ctx');
const out = join(work, 'out');
const runtime = runtimeArgs();
const volume = 'kiln-e2e-cache';
const image = 'localhost/kiln:latest';

/** The user's environment: nothing of ours but PATH, and podman's storage in `work`. */
const userEnv: Record<string, string> = {
  HOME: user.home,
  USER: user.name,
  LOGNAME: user.name,
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  XDG_RUNTIME_DIR: join(work, 'run'),
  CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
  TMPDIR: join(work, 'tmp'),
};

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  all: string;
}

/** Run `argv` as the ordinary user, in the build context. */
async function asUser(argv: string[], timeout = 1_800_000): Promise<Run> {
  const [file, ...args] = isRoot ? ['runuser', '-u', user.name, '--', 'env', '-i', ...Object.entries(userEnv).map(([k, v]) => `${k}=${v}`), ...argv] : argv;
  // as root, runuser itself needs our PATH; `env -i` then gives the user only userEnv
  const r = await execa(file!, args, { reject: false, all: true, env: isRoot ? { PATH: userEnv.PATH } : userEnv, extendEnv: !isRoot, cwd: ctx, timeout });
  // a program that did not start or was killed says so in `all`
  const all = r.all ?? '';
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, all: r.exitCode === 0 ? all : `${all}\n${r.message}` };
}

/** `podman run` as an ordinary user would: no --privileged, no capabilities, no devices. */
const podmanRun = (args: string[]) =>
  asUser([
    'podman', 'run', '--rm', ...runtime,
    '--cap-drop=all', '--security-opt=no-new-privileges', '--read-only',
    // the image's user (uid 1000) is the caller's own uid on the host: the outputs are theirs
    '--userns=keep-id:uid=1000,gid=1000',
    '-v', `${volume}:/var/cache/kiln`, '-v', `${out}:/out`,
    image, ...args,
  ]);

let imageBuild: Run;
let imageMs = 0;

beforeAll(async () => {
  for (const d of ['run', 'tmp', 'out', 'storage', 'ctx']) mkdirSync(join(work, d), { recursive: true });
  // podman's storage of this test alone, overlay (rootless native overlay: Linux >= 5.13);
  // rootless podman takes its root from rootless_storage_path (graphroot is root's)
  const graph = join(work, 'storage/graph');
  writeFileSync(userEnv.CONTAINERS_STORAGE_CONF!, `[storage]\ndriver = "overlay"\ngraphroot = "${graph}"\nrootless_storage_path = "${graph}"\n`);
  // the build context: what the Containerfile copies and the script itself
  for (const f of ['Containerfile', '.containerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'src', 'appliance', 'elements', 'dib-lib', 'scripts']) {
    cpSync(join(repo, f), join(ctx, f), { recursive: true });
  }
  if (isRoot) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, work]);
  // mmdebstrap --mode=unshare works in $TMPDIR as the user's subordinate root: it must be able
  // to reach it (mkdtemp made `work` 0700)
  chmodSync(work, 0o755);
  chmodSync(join(work, 'run'), 0o700);
  const t0 = performance.now();
  imageBuild = await asUser(['scripts/container-image']);
  imageMs = performance.now() - t0;
  console.log(`scripts/container-image (cold: base, packages, npm ci, tsc, appliance): ${(imageMs / 1000).toFixed(0)}s`);
  console.log(imageBuild.all.split('\n').filter((l) => l.startsWith('container-image:')).join('\n'));
}, 1_800_000);

afterAll(async () => {
  // podman's storage holds files of the user's subordinate ids: podman removes them
  await asUser(['podman', 'system', 'reset', '--force'], 300_000);
  // rootless podman leaves its pause process (it holds the user namespace) running
  const pause = join(userEnv.XDG_RUNTIME_DIR!, 'libpod/tmp/pause.pid');
  if (existsSync(pause)) {
    try {
      process.kill(Number(readFileSync(pause, 'utf8').trim()), 'SIGTERM');
    } catch {
      // gone already
    }
  }
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (e) {
    console.log(`could not remove ${work}: ${(e as Error).message}`);
  }
}, 600_000);

describe('the container image', () => {
  it('scripts/container-image builds localhost/kiln:latest as an ordinary user', async () => {
    expect(imageBuild.exitCode, imageBuild.all.slice(-4000)).toBe(0);
    // in the test's own storage, cold, not the user's
    expect((await asUser(['podman', 'info', '--format', '{{.Store.GraphRoot}}'])).stdout.trim()).toBe(join(work, 'storage/graph'));
    const history = await asUser(['podman', 'history', '--format', 'json', image]);
    expect(history.exitCode, history.all).toBe(0);
    const bytes = (JSON.parse(history.stdout) as { size: number }[]).reduce((n, l) => n + l.size, 0);
    console.log(`image size: ${(bytes / 1e6).toFixed(0)} MB (its layers, uncompressed)`);
    const info = await asUser(['podman', 'run', '--rm', ...runtime, image, 'sh', '-c', 'id -un; node --version; kiln appliance info']);
    expect(info.exitCode, info.all).toBe(0);
    expect(info.stdout).toMatch(/^kiln\nv20\./);
    expect(info.stdout).toContain('path:       /opt/kiln/prebuilt-appliance/');
  }, 300_000);

  let buildMs = 0;
  it('builds debian-minimal vm (bookworm) unprivileged, without devices (TCG), into a mounted dir with the cache on a volume', async () => {
    const t0 = performance.now();
    const r = await podmanRun(['sh', '-c', 'test ! -e /dev/kvm && exec kiln build -o /out/debian --logfile /out/build.log --envvar DIB_RELEASE=bookworm debian-minimal vm']);
    buildMs = performance.now() - t0;
    console.log(`container build of debian-minimal vm (bookworm, cold cache volume): ${(buildMs / 1000).toFixed(0)}s`);
    if (r.exitCode !== 0 && existsSync(join(out, 'build.log'))) console.log(readFileSync(join(out, 'build.log'), 'utf8').slice(-6000));
    expect(r.exitCode, r.all.slice(-4000)).toBe(0);
    // the prebuilt appliance served the build: none was built into the empty cache volume
    expect(r.all).not.toMatch(/resolving \d+ appliance packages/);
    expect(r.all).toMatch(/appliance up in [\d.]+s \(TCG\)/);
    const qcow2 = join(out, 'debian.qcow2');
    expect(existsSync(qcow2)).toBe(true);
    expect(statSync(qcow2).uid).toBe(user.uid);
    expect(readFileSync(join(out, 'debian.d', 'dib_environment'), 'utf8')).toMatch(/DIB_RELEASE=.?bookworm/);
  }, 1_800_000);

  it('kiln boot (in the container) reaches the login prompt', async () => {
    const t0 = performance.now();
    const r = await podmanRun(['kiln', 'boot', '--timeout', '900', '/out/debian.qcow2']);
    console.log(`container boot to the login prompt: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
    expect(r.exitCode, r.all.slice(-4000)).toBe(0);
    expect(r.stderr).toContain('booted: login prompt');
  }, 1_000_000);
});
