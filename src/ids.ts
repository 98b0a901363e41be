// Reproducible identifiers: every UUID, GUID, hash seed and disk id a build writes (filesystems,
// partition tables, VHD and VMDK headers) is derived from the build's seed and what it belongs
// to, so the same inputs give the same bytes. One derivation for all of them.
import { createHash } from 'node:crypto';

/** Who asks: the block-device layer and the output converters keep apart namespaces. */
export type IdDomain = 'kiln-blockdev' | 'kiln-output';

function digest(domain: IdDomain, seed: string, purpose: string, name?: string): Buffer {
  // JSON keeps the parts apart: ("a", "bc") and ("ab", "c") must not collide
  return createHash('sha256').update(JSON.stringify(name === undefined ? [domain, purpose, seed] : [domain, purpose, seed, name])).digest();
}

/** An RFC 4122 version-4-shaped UUID, lower case. */
export function deriveUuid(domain: IdDomain, seed: string, purpose: string, name?: string): string {
  const b = digest(domain, seed, purpose, name).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A non-zero 32-bit value as 8 lower-case hex digits (MBR disk id, FAT volume id, VMDK CID). */
export function deriveId32(domain: IdDomain, seed: string, purpose: string, name?: string): string {
  const b = digest(domain, seed, purpose, name);
  for (let i = 0; i + 4 <= b.length; i += 4) {
    const v = b.readUInt32BE(i);
    if (v !== 0) return v.toString(16).padStart(8, '0');
  }
  return '00000001';
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
