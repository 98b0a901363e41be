// The host-native package step. Under emulation debootstrap spends minutes resolving
// dependencies over the whole Debian index and decompressing downloads; on the host the
// same work takes seconds. So kiln resolves and downloads the packages a Debian build will
// install with apt on the host (cached under kiln's cache dir), and hands the guest a small
// local repository of exactly those packages: a read-only squashfs drive mounted at
// /kiln/repo. debootstrap reads it as its mirror, apt in the chroot finds the files in its
// archive cache. Every .deb was checked by apt against the signed Release on the host.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { KilnError } from '../errors.js';
import type { Logger } from '../log.js';
import { run, WITHOUT_SOURCE_DATE_EPOCH } from '../host/run.js';
import { parseControl, renderPackagesEntry, renderRelease, requiredPackages, type ControlRecord } from './index-file.js';
import { downloadEvents } from './download-events.js';
import { PrivateApt } from './private-apt.js';
import { archiveSources, type Archive } from './sources.js';
import type { CacheLayout } from '../cache/layout.js';
import { uncompressDeb } from './repack.js';

export interface LocalRepoRequest extends Archive {
  arch: string;
  /** Besides Priority: required and apt: what the build will install (names unknown to the index are skipped). */
  packages: string[];
  offline: boolean;
}

export interface LocalRepo {
  image: string;
  packages: number;
  bytes: number;
  /** PrivateApt.listsDigest of the lists just fetched (undefined --offline: not fetched now). */
  listsDigest?: string;
}

export function repoKey(r: LocalRepoRequest): string {
  return createHash('sha256').update(JSON.stringify([r.mirror, r.securityMirror, r.suite, r.components, r.keyring, r.arch])).digest('hex').slice(0, 16);
}

export async function buildLocalRepo(req: LocalRepoRequest, o: { cache: CacheLayout; work: string; logger: Logger }): Promise<LocalRepo> {
  const aptRoot = join(o.cache.apt, `${req.suite}-${req.arch}-${repoKey(req)}`);
  const apt = new PrivateApt(aptRoot, req.arch);
  const sources = archiveSources(req);
  const fresh = !existsSync(join(aptRoot, 'state/lists'));
  await apt.init(sources);
  if (req.offline) {
    if (fresh) throw new KilnError(`--offline: kiln has no package index for ${req.suite} from ${req.mirror} in its cache (${aptRoot})`, { hint: 'build once with the network and the same mirror and release' });
  } else {
    await apt.update();
  }
  const records = parseControl(await apt.dumpAvailable());
  const known = new Set(records.map((r) => r.Package!));
  // minbase = Priority: required + apt; debootstrap adds usr-is-merged on merged-/usr releases
  const base = [...requiredPackages(records), ...['apt', 'usr-is-merged'].filter((p) => known.has(p))];
  const extra = req.packages.filter((p) => known.has(p) && !base.includes(p));
  let names = [...base, ...extra];
  let plan = await apt.simulate(names).catch(() => undefined);
  if (!plan) {
    o.logger.warn(`the packages ${extra.join(' ')} cannot all be installed together; prefetching only the base system`);
    names = base;
    plan = await apt.simulate(names);
  }
  await apt.download(names, req.offline, downloadEvents(o.logger, 'packages', await bytesToFetch(apt, plan, records)));
  const have = new Map((await apt.listDownloaded()).map((d) => [`${d.name} ${d.version}`, d.file]));
  const files = plan.map((p) => have.get(`${p.name} ${p.version}`)).filter((f): f is string => !!f);
  if (files.length !== plan.length) {
    const missing = plan.filter((p) => !have.has(`${p.name} ${p.version}`)).map((p) => `${p.name} ${p.version}`);
    throw new KilnError(`${req.offline ? '--offline: ' : ''}packages missing from kiln's download cache: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`, {
      hint: req.offline ? 'build once with the network to fill the cache' : 'check the mirror',
    });
  }
  // what this build uses is what `kiln cache prune` keeps longest (least recently used goes first)
  await touch([...files, join(aptRoot, 'state', 'lists')]);
  const repo = await writeRepo(files, req, o.work, o.cache);
  return req.offline ? repo : { ...repo, listsDigest: await apt.listsDigest() };
}

/** What the plan's packages that are not in the download cache yet weigh, by the index's Size fields. */
async function bytesToFetch(apt: PrivateApt, plan: { name: string; version: string }[], records: ControlRecord[]): Promise<number> {
  const have = new Set((await apt.listDownloaded()).map((d) => `${d.name} ${d.version}`));
  const size = new Map(records.map((r) => [`${r.Package} ${r.Version}`, Number(r.Size ?? 0)]));
  return plan.filter((p) => !have.has(`${p.name} ${p.version}`)).reduce((n, p) => n + (size.get(`${p.name} ${p.version}`) ?? 0), 0);
}

/** Repository images kept under the cache dir: one per package set, the newest few. */
export const REPO_IMAGES_KEPT = 3;

/** Bump when writeRepoImage lays the repository out differently: cached images must not be reused. */
const REPO_LAYOUT = 1;

/**
 * The repository image for this package set: the cached one when an earlier build made it
 * (a deb's file name carries its version, and apt checked its bytes), else a new one.
 */
export async function writeRepo(debs: string[], req: LocalRepoRequest, work: string, cache: CacheLayout): Promise<LocalRepo> {
  const bytes = (await Promise.all(debs.map((d) => stat(d)))).reduce((n, s) => n + s.size, 0);
  const images = cache.repoImages;
  const key = createHash('sha256').update(JSON.stringify([REPO_LAYOUT, req.suite, req.arch, debs.map((d) => basename(d)).sort()])).digest('hex').slice(0, 32);
  const image = join(images, `${key}.sqfs`);
  if (existsSync(image)) {
    const now = new Date();
    await utimes(image, now, now);
  } else {
    await mkdir(images, { recursive: true });
    const partial = `${image}.${process.pid}.partial`;
    try {
      await writeRepoImage(debs, req, work, cache, partial);
      await rename(partial, image);
    } finally {
      await rm(partial, { force: true });
    }
    await pruneRepoImages(images, REPO_IMAGES_KEPT);
  }
  return { image, packages: debs.length, bytes };
}

/**
 * Keep the `keep` most recently used images. One used in the last hour stays too: a build
 * on another helper drive may be about to attach it (an attached one stays readable).
 */
async function pruneRepoImages(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sqfs'));
  const dated = await Promise.all(names.map(async (f) => ({ f, t: (await stat(join(dir, f))).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  for (const { f, t } of dated.slice(keep)) if (Date.now() - t > 3600_000) await rm(join(dir, f), { force: true });
}

/**
 * dists/SUITE/{Release,main/binary-ARCH/Packages} + pool/ (debs with uncompressed data, what
 * debootstrap installs) + archives/ (the originals, apt's cache hits in the chroot: apt
 * checks them against its own index), then one squashfs image of it all.
 */
async function writeRepoImage(debs: string[], req: LocalRepoRequest, work: string, cache: CacheLayout, image: string): Promise<void> {
  const root = join(work, 'repo');
  const pool = join(root, 'pool');
  const archives = join(root, 'archives');
  const rawCache = cache.debsUncompressed;
  const index = join(root, 'dists', req.suite, 'main', `binary-${req.arch}`);
  for (const d of [pool, archives, index, rawCache]) await mkdir(d, { recursive: true });
  let packages = '';
  for (const deb of debs) {
    const name = basename(deb);
    await linkOrCopy(deb, join(archives, name));
    const raw = join(rawCache, name);
    if (!existsSync(raw)) {
      const tmp = `${raw}.${process.pid}.partial`;
      await writeFile(tmp, await uncompressDeb(await readFile(deb)));
      await rename(tmp, raw);
    } else {
      await touch([raw]);
    }
    await linkOrCopy(raw, join(pool, name));
    const data = await readFile(raw);
    const control = (await run('dpkg-deb', ['-f', deb], { what: `read the control fields of ${name}` })).stdout;
    packages += renderPackagesEntry(control, {
      filename: `pool/${name}`,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      md5: createHash('md5').update(data).digest('hex'),
    });
  }
  const packagesBuf = Buffer.from(packages);
  await writeFile(join(index, 'Packages'), packagesBuf);
  await writeFile(join(root, 'dists', req.suite, 'Release'), renderRelease({ suite: req.suite, codename: req.suite, component: 'main', arch: req.arch, packages: packagesBuf, date: new Date(0) }));
  // nothing to gain compressing debs: store them as they are, the guest reads them without CPU work
  await run('mksquashfs', [root, image, '-all-root', '-noappend', '-no-progress', '-quiet', '-noI', '-noD', '-noF', '-noX', '-mkfs-time', '0', '-all-time', '0'], { what: 'write the local package repository image', env: WITHOUT_SOURCE_DATE_EPOCH });
  await rm(root, { recursive: true, force: true });
}

/** Mark files as used now (their mtime: what prune goes by). */
async function touch(paths: string[]): Promise<void> {
  const now = new Date();
  await Promise.all(paths.map((p) => utimes(p, now, now).catch(() => {})));
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}
