// A VHD ends in a 512-byte footer holding a creation timestamp and a random UUID, so two
// conversions of the same disk differ. kiln rewrites both from SOURCE_DATE_EPOCH and the
// build seed and fixes the checksum: same inputs, same bytes. (Microsoft VHD spec, "Hard
// Disk Footer Format": big-endian; timestamp in seconds since 2000-01-01 UTC.)
import { open } from 'node:fs/promises';

export const VHD_FOOTER_SIZE = 512;
const COOKIE = 'conectix';
const TIMESTAMP = 24;
const CHECKSUM = 64;
const UNIQUE_ID = 68;
/** 2000-01-01T00:00:00Z in Unix seconds. */
export const VHD_EPOCH = 946684800;

export interface VhdIdentity {
  /** Unix seconds; clamped to the VHD epoch. */
  timestamp?: number;
  /** RFC 4122 text form. */
  uuid?: string;
}

/** A patched copy of `footer`; throws if it is not a VHD footer. */
export function patchVhdFooter(footer: Buffer, id: VhdIdentity): Buffer {
  if (footer.length !== VHD_FOOTER_SIZE || footer.toString('latin1', 0, 8) !== COOKIE) {
    throw new Error('not a VHD footer (no "conectix" cookie)');
  }
  const out = Buffer.from(footer);
  if (id.timestamp !== undefined) out.writeUInt32BE(Math.max(0, Math.trunc(id.timestamp) - VHD_EPOCH), TIMESTAMP);
  if (id.uuid !== undefined) Buffer.from(id.uuid.replace(/-/g, ''), 'hex').copy(out, UNIQUE_ID);
  out.writeUInt32BE(vhdChecksum(out), CHECKSUM);
  return out;
}

/** One's complement of the byte sum, the checksum field itself counted as zero. */
export function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_SIZE; i++) if (i < CHECKSUM || i >= CHECKSUM + 4) sum += footer[i]!;
  return ~sum >>> 0;
}

/** Rewrite the footer at the end of a (fixed) VHD file in place. */
export async function rewriteVhdFooter(path: string, id: VhdIdentity): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const footer = Buffer.alloc(VHD_FOOTER_SIZE);
    await fh.read(footer, 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
    await fh.write(patchVhdFooter(footer, id), 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
  } finally {
    await fh.close();
  }
}
