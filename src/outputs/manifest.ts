// NAME.d/kiln-manifest.json: what went into an image, so two builds can be compared input
// by input — kiln's version, the appliance, a digest of every element's files, the
// reproducibility settings, and every package in the image with its version. Nothing in
// it depends on when or where the build ran: two builds of the same inputs write the same
// bytes.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseControl } from '../apt/index-file.js';

export interface ImagePackage {
  name: string;
  version: string;
  arch: string;
}

export interface BuildManifest {
  kiln: string;
  /** The image's architecture (Debian's name): kiln boot reads it. */
  arch: string;
  appliance: { key: string; kernel: string; suite: string };
  elements: { name: string; sha256: string }[];
  sourceDateEpoch: number | null;
  /** The seed when it was given or derived from SOURCE_DATE_EPOCH; null when random. */
  seed: string | null;
  formats: string[];
  packages: ImagePackage[];
}

/**
 * A digest of an element directory: every entry's relative path, type, executable bit and
 * content (or link target), in sorted order. Host paths and mtimes do not count.
 */
export function elementDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) h.update(`l ${r}\0${readlinkSync(join(dir, r))}\0`);
      else if (st.isDirectory()) {
        h.update(`d ${r}\0`);
        walk(r);
      } else if (st.isFile()) {
        h.update(`f ${r} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\0`);
        h.update(readFileSync(join(dir, r)));
      }
    }
  };
  walk('');
  return h.digest('hex');
}

/** The installed packages of a dpkg status file (the image's /var/lib/dpkg/status), sorted. */
export function installedPackages(status: string): ImagePackage[] {
  return parseControl(status)
    .filter((r) => / installed$/.test(r.Status ?? ''))
    .map((r) => ({ name: r.Package!, version: r.Version ?? '', arch: r.Architecture ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}

export function renderManifest(m: BuildManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}
