// Identifiers converters would pick at random, derived from the build seed instead.
import { createHash } from 'node:crypto';

function digest(seed: string, purpose: string): Buffer {
  return createHash('sha256').update(JSON.stringify(['kiln-output', purpose, seed])).digest();
}

export function deriveUuid(seed: string, purpose: string): string {
  const b = digest(seed, purpose).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** 8 lower-case hex digits. */
export function deriveId32(seed: string, purpose: string): string {
  return digest(seed, purpose).subarray(0, 4).toString('hex');
}
