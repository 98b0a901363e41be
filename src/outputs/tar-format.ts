// Just enough of the tar format for kiln's needs, in plain TS: writing the few fixed entries
// of a docker archive, and reading entry headers (names, owners, modes) without extracting,
// to learn the root directory's attributes and to verify archives in tests.
// ustar headers; POSIX pax ('x') and GNU long-name ('L') records are understood when reading.
import { open } from 'node:fs/promises';

export const BLOCK = 512;

export interface TarHeaderFields {
  name: string;
  size: number;
  /** Permission bits. */
  mode: number;
  /** Unix seconds. */
  mtime: number;
  type: 'file' | 'directory';
  uid?: number;
  gid?: number;
}

/** One ustar header block. Sizes of 8 GiB and more use GNU's base-256 form (Go, GNU and bsdtar read it). */
export function tarHeader(h: TarHeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  const name = Buffer.from(h.name, 'utf8');
  if (name.length > 100) throw new Error(`tar entry name too long for ustar: ${h.name}`);
  name.copy(b, 0);
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, h.uid ?? 0);
  octal(b, 116, 8, h.gid ?? 0);
  if (h.size < 8 ** 11) octal(b, 124, 12, h.size);
  else {
    b[124] = 0x80;
    b.writeBigUInt64BE(BigInt(h.size), 128);
  }
  octal(b, 136, 12, h.mtime);
  b.write('        ', 148, 'latin1'); // checksum field counts as spaces while summing
  b.write(h.type === 'directory' ? '5' : '0', 156, 'latin1');
  b.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(value.toString(8).padStart(length - 1, '0') + '\u0000', offset, length, 'latin1');
}

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, '2' symlink, '1' hard link, ... */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  /** pax records other than the ones folded in above (e.g. SCHILY.xattr.*). */
  pax: Record<string, string>;
  /** Byte offset of the content in the archive. */
  offset: number;
}

/** Read entry headers from an uncompressed tar file, skipping content. `limit` stops early. */
export async function readTarEntries(path: string, limit = Infinity): Promise<TarEntry[]> {
  const fh = await open(path, 'r');
  try {
    const out: TarEntry[] = [];
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    let pending: Record<string, string> = {};
    let longName: string | undefined;
    while (out.length < limit) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, pos);
      if (bytesRead < BLOCK || block.every((x) => x === 0)) break;
      const size = readNumber(block, 124, 12);
      const type = String.fromCharCode(block[156] || 0x30);
      const content = pos + BLOCK;
      pos = content + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L' || type === 'g') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, content);
        if (type === 'x') pending = { ...pending, ...parsePax(data) };
        if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      const prefix = cString(block, 345, 155);
      const { path: paxPath, linkpath, uid, gid, size: paxSize, mtime, ...pax } = pending;
      out.push({
        name: paxPath ?? longName ?? (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100)),
        type,
        mode: readNumber(block, 100, 8),
        uid: uid !== undefined ? Number(uid) : readNumber(block, 108, 8),
        gid: gid !== undefined ? Number(gid) : readNumber(block, 116, 8),
        size: paxSize !== undefined ? Number(paxSize) : size,
        mtime: mtime !== undefined ? Math.trunc(Number(mtime)) : readNumber(block, 136, 12),
        linkname: linkpath ?? cString(block, 157, 100),
        pax,
        offset: content,
      });
      if (paxSize !== undefined) pos = content + Math.ceil(Number(paxSize) / BLOCK) * BLOCK;
      pending = {};
      longName = undefined;
    }
    return out;
  } finally {
    await fh.close();
  }
}

function cString(b: Buffer, offset: number, length: number): string {
  const s = b.subarray(offset, offset + length);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? length : end).toString('utf8');
}

function readNumber(b: Buffer, offset: number, length: number): number {
  if (b[offset]! & 0x80) {
    let v = 0n;
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(b[i]!);
    return Number(v);
  }
  const text = cString(b, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** "LEN key=value\n" records; LEN counts bytes, so parse the buffer, not the string. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const len = Number(data.toString('latin1', i, space));
    if (space < 0 || !Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    out[record.toString('utf8', 0, eq)] = record.toString('utf8', eq + 1);
    i += len;
  }
  return out;
}
