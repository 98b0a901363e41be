// qemu-img gives every VMDK a random content id (CID) in its embedded text descriptor; kiln
// replaces it with one derived from the build seed. qemu prints the CID with %x (no zero
// padding), so the line's length varies; the whole descriptor region is rewritten, text then
// zeros, so the result does not depend on the random CID it replaced.
// (VMware "Virtual Disk Format 1.1": sparse extent header, little-endian; descriptor offset
// and size in sectors at bytes 28 and 36.)
import { open } from 'node:fs/promises';

const MAGIC = 'KDMV';
const SECTOR = 512;

const CID_LINE = /^CID=[0-9a-f]{1,8}$/m;

/** The descriptor text with its CID replaced; throws when there is none. */
export function patchVmdkCid(descriptor: string, cid: string): string {
  if (!/^[0-9a-f]{8}$/.test(cid)) throw new Error(`CID must be 8 hex digits, got "${cid}"`);
  if (!CID_LINE.test(descriptor)) throw new Error('VMDK descriptor has no CID line');
  return descriptor.replace(CID_LINE, `CID=${cid}`);
}

/** Rewrite the CID of a single-file (monolithicSparse / streamOptimized) VMDK in place. */
export async function rewriteVmdkCid(path: string, cid: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const header = Buffer.alloc(SECTOR);
    await fh.read(header, 0, SECTOR, 0);
    if (header.toString('latin1', 0, 4) !== MAGIC) throw new Error(`${path} is not a sparse VMDK (no KDMV magic)`);
    const offset = Number(header.readBigUInt64LE(28)) * SECTOR;
    const size = Number(header.readBigUInt64LE(36)) * SECTOR;
    if (offset === 0 || size === 0) throw new Error(`${path} has no embedded descriptor`);
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, offset);
    const end = buf.indexOf(0);
    const text = Buffer.from(patchVmdkCid(buf.toString('latin1', 0, end < 0 ? size : end), cid), 'latin1');
    if (text.length > size) throw new Error(`${path}: the descriptor no longer fits its ${size}-byte region`);
    const region = Buffer.alloc(size);
    text.copy(region);
    await fh.write(region, 0, size, offset);
  } finally {
    await fh.close();
  }
}
