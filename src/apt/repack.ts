// Repack a .deb with an uncompressed data.tar. Unpacking xz under emulation is the
// costliest loop of a bootstrap, and debootstrap unpacks every base package twice; the host
// decompresses once, natively. The data tar itself is untouched, so owners, modes and
// every file stay exactly as Debian built them; only the ar member changes.
import { filter } from '../host/run.js';

export interface ArMember {
  name: string;
  data: Buffer;
}

const MAGIC = '!<arch>\n';

export function parseAr(buf: Buffer): ArMember[] {
  if (buf.subarray(0, 8).toString('latin1') !== MAGIC) throw new Error('not an ar archive');
  const out: ArMember[] = [];
  let off = 8;
  while (off + 60 <= buf.length) {
    const head = buf.subarray(off, off + 60).toString('latin1');
    const name = head.slice(0, 16).trim().replace(/\/$/, '');
    const size = Number(head.slice(48, 58).trim());
    off += 60;
    out.push({ name, data: buf.subarray(off, off + size) });
    off += size + (size % 2);
  }
  return out;
}

export function renderAr(members: ArMember[]): Buffer {
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1')];
  for (const m of members) {
    const head = m.name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(m.data.length).padEnd(10) + '`\n';
    parts.push(Buffer.from(head, 'latin1'), m.data);
    if (m.data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

const decompressors: Record<string, string[]> = {
  'data.tar.xz': ['xz', '-dc'],
  'data.tar.gz': ['gzip', '-dc'],
  'data.tar.zst': ['zstd', '-dc'],
  'data.tar.bz2': ['bzip2', '-dc'],
};

/** The same package with `data.tar` stored uncompressed (already uncompressed: returned as is). */
export async function uncompressDeb(deb: Buffer): Promise<Buffer> {
  const members = parseAr(deb);
  const i = members.findIndex((m) => m.name in decompressors);
  if (i < 0) return deb;
  const m = members[i]!;
  const [cmd, ...args] = decompressors[m.name]!;
  members[i] = { name: 'data.tar', data: await filter(cmd!, args, m.data, `uncompress ${m.name}`) };
  return renderAr(members);
}
