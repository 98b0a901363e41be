// apt with private state, cache and sources: resolves and downloads a package closure
// without root and without touching the host's apt configuration. apt verifies the
// Release signature and every .deb's SHA256 against the signed index itself.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { pollGrowth } from '../host/poll.js';
import { run, type RunOptions, type RunResult } from '../host/run.js';

/**
 * How long one apt run may take. apt retries a mirror that stops answering for a long
 * time; a build should fail with a reason instead of hanging. Generous: a cold appliance
 * or package download on a slow line takes minutes. KILN_APT_TIMEOUT=SECONDS overrides.
 */
export const APT_TIMEOUT_MS = 20 * 60_000;

export function aptTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.KILN_APT_TIMEOUT);
  return env.KILN_APT_TIMEOUT && Number.isFinite(s) && s > 0 ? s * 1000 : APT_TIMEOUT_MS;
}

export interface AptSource {
  /** e.g. http://deb.debian.org/debian */
  mirror: string;
  suite: string;
  components: string[];
  keyring: string;
}

/** Hears the bytes a download has fetched so far; `done` once, at the end. */
export type OnBytes = (bytes: number, done: boolean) => void;

export interface DownloadedDeb {
  name: string;
  version: string;
  arch: string;
  file: string;
}

/** The -o options that point apt at a private root instead of /etc/apt and /var/lib/apt. */
export function aptOptions(root: string, arch: string, asRoot: boolean): string[] {
  const o = (k: string, v: string) => ['-o', `${k}=${v}`];
  return [
    ...o('Dir::State', join(root, 'state')),
    ...o('Dir::State::status', join(root, 'status')),
    ...o('Dir::Cache', join(root, 'cache')),
    ...o('Dir::Etc', join(root, 'etc')),
    ...o('Dir::Log', join(root, 'log')),
    ...o('Debug::NoLocking', '1'),
    ...o('APT::Architecture', arch),
    ...o('APT::Architectures', arch),
    ...o('APT::Install-Recommends', 'false'),
    ...o('APT::Install-Suggests', 'false'),
    ...o('Acquire::Languages', 'none'),
    // as root, apt would drop to the _apt user, which cannot write a private dir
    ...(asRoot ? o('APT::Sandbox::User', 'root') : []),
  ];
}

export function renderSourcesList(sources: AptSource[]): string {
  return sources.map((s) => `deb [signed-by=${s.keyring}] ${s.mirror} ${s.suite} ${s.components.join(' ')}\n`).join('');
}

export class PrivateApt {
  readonly options: string[];
  private mirrors: string[] = [];
  constructor(readonly root: string, arch: string, private readonly timeoutMs = aptTimeoutMs()) {
    this.options = aptOptions(root, arch, process.getuid?.() === 0);
  }

  /** One apt run, stopped after timeoutMs with an error that names the mirrors. */
  private async apt(file: 'apt-get' | 'apt-cache', args: string[], opts: RunOptions): Promise<RunResult> {
    try {
      return await run(file, [...this.options, ...args], { timeout: this.timeoutMs, ...opts });
    } catch (e) {
      if (!(e instanceof KilnError && (e.cause as { timedOut?: boolean } | undefined)?.timedOut)) throw e;
      const mins = this.timeoutMs >= 60_000 ? `${(this.timeoutMs / 60_000).toFixed(0)} min` : `${(this.timeoutMs / 1000).toFixed(0)} s`;
      throw new KilnError(`failed to ${opts.what}: ${file} did not finish within ${mins} and was stopped; the mirror ${this.mirrors.join(' / ') || '(none configured)'} is unreachable or too slow`, {
        hint: 'check the network (and http_proxy), use another mirror (--mirror), or allow apt longer with KILN_APT_TIMEOUT=SECONDS',
        cause: e,
      });
    }
  }

  async init(sources: AptSource[]): Promise<void> {
    for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/apt.conf.d', 'etc/preferences.d', 'etc/sources.list.d', 'etc/trusted.gpg.d', 'log']) {
      await mkdir(join(this.root, d), { recursive: true });
    }
    await writeFile(join(this.root, 'status'), '');
    await writeFile(join(this.root, 'etc/sources.list'), renderSourcesList(sources));
    this.mirrors = [...new Set(sources.map((s) => s.mirror))];
  }

  async update(): Promise<void> {
    await this.apt('apt-get', ['-q', 'update'], { what: 'download the Debian package indexes (apt-get update)' });
  }

  /**
   * What identifies the lists apt holds: the sha256 of `sha256sum *_InRelease | LC_ALL=C sort`
   * over the lists directory (file names are the sources' URIs, contents their signed state).
   * The dpkg element computes the same in the chroot to see that its lists are these.
   */
  async listsDigest(): Promise<string> {
    const dir = join(this.root, 'state/lists');
    const names = (await readdir(dir)).filter((f) => f.endsWith('_InRelease'));
    const lines = await Promise.all(names.map(async (f) => `${createHash('sha256').update(await readFile(join(dir, f))).digest('hex')}  ${f}\n`));
    return createHash('sha256').update(lines.sort().join('')).digest('hex');
  }

  /** Exact versioned package a metapackage points at, e.g. linux-image-cloud-amd64 -> linux-image-6.1.0-50-cloud-amd64. */
  async dependsOf(pkg: string): Promise<string[]> {
    const { stdout } = await this.apt('apt-cache', ['depends', '--important', '--no-pre-depends', pkg], { what: `look up ${pkg}` });
    return stdout
      .split('\n')
      .map((l) => /^\s+Depends: (\S+)/.exec(l)?.[1])
      .filter((x): x is string => !!x && !x.startsWith('<'));
  }

  /** Resolve the closure of `packages` against an empty system and download it; `onBytes` hears the bytes downloaded so far. */
  async downloadClosure(packages: string[], onBytes?: OnBytes): Promise<DownloadedDeb[]> {
    await this.watched(onBytes, () =>
      this.apt('apt-get', ['-q', '-y', 'install', '--download-only', ...packages], {
        what: `resolve and download the appliance packages (${packages.length} requested)`,
      }),
    );
    return this.listDownloaded();
  }

  /** Every package record apt knows, decompressed (apt keeps its lists lz4-compressed). */
  async dumpAvailable(): Promise<string> {
    return (await this.apt('apt-cache', ['dumpavail'], { what: 'read the package index', maxBuffer: 1024 * 1024 * 1024 })).stdout;
  }

  /** What apt would install for `packages` on an empty system: name and version, in apt's order. */
  async simulate(packages: string[]): Promise<{ name: string; version: string }[]> {
    const { stdout } = await this.apt('apt-get', ['-q', '-s', 'install', ...packages], { what: `resolve ${packages.length} packages` });
    return stdout
      .split('\n')
      .map((l) => /^Inst (\S+) \((\S+)/.exec(l))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ name: m[1]!.replace(/:.*$/, ''), version: m[2]! }));
  }

  /** Download (into the private archive cache) what installing `packages` needs; offline: fail rather than fetch. */
  async download(packages: string[], offline = false, onBytes?: OnBytes): Promise<void> {
    const noNet = offline ? ['-o', 'Acquire::http::Proxy=http://127.0.0.1:9/', '-o', 'Acquire::Retries=0'] : [];
    await this.watched(onBytes, () => this.apt('apt-get', [...noNet, '-q', '-y', 'install', '--download-only', ...packages], { what: `download ${packages.length} packages` }));
  }

  /** Run an apt download while its archive directory is watched: the bytes of the packages it adds. */
  private async watched<T>(onBytes: OnBytes | undefined, body: () => Promise<T>): Promise<T> {
    if (!onBytes) return body();
    const dir = join(this.root, 'cache/archives');
    const before = new Set(await readdir(dir).catch(() => []));
    const poll = pollGrowth(() => downloadedBytes(dir, before), (n) => onBytes(n, false));
    try {
      const r = await body();
      poll.stop();
      onBytes(await downloadedBytes(dir, before), true);
      return r;
    } finally {
      poll.stop();
    }
  }

  /** apt-get download of single packages into `cwd`. */
  async downloadInto(cwd: string, packages: string[], what: string): Promise<void> {
    await this.apt('apt-get', ['download', ...packages], { what, cwd });
  }

  async listDownloaded(): Promise<DownloadedDeb[]> {
    const dir = join(this.root, 'cache/archives');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.deb')).sort();
    return files.map((f) => ({ ...parseDebFilename(f), file: join(dir, f) }));
  }
}

/** Bytes apt has fetched into `archives` since `before` was listed: finished packages and the partial ones. */
export async function downloadedBytes(archives: string, before: ReadonlySet<string>): Promise<number> {
  const sizes = async (dir: string, skip: ReadonlySet<string>) => {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.deb') && !skip.has(f));
    return (await Promise.all(names.map((f) => stat(join(dir, f)).then((s) => s.size, () => 0)))).reduce((a, b) => a + b, 0);
  };
  return (await sizes(archives, before)) + (await sizes(join(archives, 'partial'), new Set()));
}

/** name_version_arch.deb, with the epoch's ':' escaped as %3a by apt. */
export function parseDebFilename(file: string): { name: string; version: string; arch: string } {
  const m = /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(file);
  if (!m) throw new Error(`not a Debian package file name: ${file}`);
  return { name: m[1]!, version: decodeURIComponent(m[2]!), arch: m[3]! };
}
