// Where two builds that should be identical differ: for tar outputs, which entries and in
// what (content, mode, owner, mtime, xattrs); for disk images, which byte regions, which
// partition, and — for ext filesystems, through debugfs — which file owns the block.
// The reproducibility test prints this instead of two bare checksums.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { run } from '../../src/host/run.js';
import { readTarEntries, type TarEntry } from '../../src/outputs/tar-format.js';

/** Human lines, one per difference, at most `limit` of them (then a count of the rest). */
export async function compareTars(a: string, b: string, limit = 40): Promise<string[]> {
  const [ea, eb] = await Promise.all([readTarEntries(a), readTarEntries(b)]);
  const mb = new Map(eb.map((e) => [e.name, e]));
  const out: string[] = [];
  const order = (xs: TarEntry[]) => xs.map((e) => e.name).join('\n');
  for (const x of ea) {
    const y = mb.get(x.name);
    if (!y) {
      out.push(`only in ${a}: ${x.name}`);
      continue;
    }
    mb.delete(x.name);
    for (const k of ['type', 'mode', 'uid', 'gid', 'size', 'mtime', 'linkname'] as const) {
      if (x[k] !== y[k]) out.push(`${x.name}: ${k} ${String(x[k])} != ${String(y[k])}`);
    }
    if (JSON.stringify(x.pax) !== JSON.stringify(y.pax)) out.push(`${x.name}: pax records differ: ${JSON.stringify(x.pax)} != ${JSON.stringify(y.pax)}`);
    if (x.type === '0' && x.size === y.size && (await contentHash(a, x)) !== (await contentHash(b, y))) out.push(`${x.name}: content differs`);
  }
  for (const name of mb.keys()) out.push(`only in ${b}: ${name}`);
  if (out.length === 0 && order(ea) !== order(eb)) out.push('same entries, in a different order');
  return cap(out, limit);
}

async function contentHash(file: string, e: TarEntry): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(e.size);
    await fh.read(buf, 0, e.size, e.offset);
    return createHash('sha256').update(buf).digest('hex');
  } finally {
    await fh.close();
  }
}

export interface ByteRegion {
  start: number;
  end: number;
}

/** Differing regions of two files, compared in `chunk`-byte blocks, adjacent blocks merged. */
export async function differingRegions(a: string, b: string, chunk = 4096): Promise<ByteRegion[]> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    const size = Math.max(sa.size, sb.size);
    const out: ByteRegion[] = [];
    const step = chunk * 256;
    const ba = Buffer.alloc(step);
    const bb = Buffer.alloc(step);
    for (let pos = 0; pos < size; pos += step) {
      ba.fill(0);
      bb.fill(0);
      await Promise.all([fa.read(ba, 0, step, pos), fb.read(bb, 0, step, pos)]);
      if (ba.equals(bb)) continue;
      for (let i = 0; i < step; i += chunk) {
        if (ba.subarray(i, i + chunk).equals(bb.subarray(i, i + chunk))) continue;
        const start = pos + i;
        const last = out[out.length - 1];
        if (last && last.end === start) last.end = start + chunk;
        else out.push({ start, end: start + chunk });
      }
    }
    if (sa.size !== sb.size) out.push({ start: Math.min(sa.size, sb.size), end: size });
    return out;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

interface MbrPartition {
  number: number;
  start: number;
  end: number;
}

/** The primary partitions of an MBR disk (none for a whole-disk filesystem or GPT). */
export function mbrPartitions(sector0: Buffer): MbrPartition[] {
  if (sector0.length < 512 || sector0[510] !== 0x55 || sector0[511] !== 0xaa) return [];
  const out: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const e = 446 + i * 16;
    const type = sector0[e + 4]!;
    const lba = sector0.readUInt32LE(e + 8);
    const sectors = sector0.readUInt32LE(e + 12);
    if (type !== 0 && type !== 0xee && sectors > 0) out.push({ number: i + 1, start: lba * 512, end: (lba + sectors) * 512 });
  }
  return out;
}

/** Differing regions of two disk images, each named by partition and, on ext, by file. */
export async function compareDisks(a: string, b: string, limit = 20): Promise<string[]> {
  const regions = await differingRegions(a, b);
  if (regions.length === 0) return [];
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  const out: string[] = [`${regions.length} differing region(s), ${regions.reduce((n, r) => n + r.end - r.start, 0)} bytes`];
  try {
    const sector0 = Buffer.alloc(512);
    await fa.read(sector0, 0, 512, 0);
    const parts = mbrPartitions(sector0);
    for (const r of regions.slice(0, limit)) {
      // the region is chunk-aligned: name the owner of its first differing byte
      const first = r.start + (await firstDifference(fa, fb, r));
      const part = parts.find((p) => first >= p.start && first < p.end);
      const base = part?.start ?? 0;
      const where = part ? `partition ${part.number}` : parts.length ? 'outside any partition (boot code, partition table, gap)' : 'filesystem';
      const owner = parts.length && !part ? '' : await extOwner(a, base, first - base);
      out.push(`bytes ${r.start}..${r.end}, first at ${first} (${where}${owner ? `: ${owner}` : ''})`);
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
  if (regions.length > limit) out.push(`... and ${regions.length - limit} more`);
  return out;
}

async function firstDifference(fa: FileHandle, fb: FileHandle, r: ByteRegion): Promise<number> {
  const n = Math.min(r.end - r.start, 1 << 20);
  const [ba, bb] = [Buffer.alloc(n), Buffer.alloc(n)];
  await Promise.all([fa.read(ba, 0, n, r.start), fb.read(bb, 0, n, r.start)]);
  for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return i;
  return 0;
}

/** Which ext inode/file owns the filesystem block at `offset` (debugfs icheck + ncheck), or ''. */
async function extOwner(image: string, fsStart: number, offset: number): Promise<string> {
  const dev = `${image}?offset=${fsStart}`;
  const stats = await run('debugfs', ['-R', 'stats -h', dev], { what: 'reading the filesystem of the image', reject: false });
  const bs = /Block size:\s+(\d+)/.exec(stats.stdout);
  if (!bs) return '';
  const block = Math.floor(offset / Number(bs[1]));
  const icheck = await run('debugfs', ['-R', `icheck ${block}`, dev], { what: 'finding the inode of a block', reject: false });
  const m = new RegExp(`^${block}\\s+(\\d+)`, 'm').exec(icheck.stdout);
  if (!m) return `ext block ${block} (metadata: superblock, group descriptors, bitmaps, inode table or journal)`;
  const ncheck = await run('debugfs', ['-R', `ncheck ${m[1]}`, dev], { what: 'naming an inode', reject: false });
  const path = new RegExp(`^${m[1]}\\s+(.+)$`, 'm').exec(ncheck.stdout)?.[1]?.replace(/^\/\//, '/');
  return `ext block ${block}, inode ${m[1]}${path ? ` ${path}` : ''}`;
}

function cap(lines: string[], limit: number): string[] {
  return lines.length > limit ? [...lines.slice(0, limit), `... and ${lines.length - limit} more`] : lines;
}
