// LZ4's "legacy" frame, the one the Linux build wraps a kernel in (CONFIG_KERNEL_LZ4):
// magic, then blocks of (u32 compressed size, LZ4 block) each up to 8 MiB of output.
import { KilnError } from '../errors.js';

const LEGACY_MAGIC = 0x184c2102;

/** Whether `data` starts like a legacy LZ4 stream. */
export function isLz4Legacy(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === LEGACY_MAGIC;
}

export class Lz4Error extends KilnError {
  constructor(detail: string) {
    super(`the appliance kernel's LZ4 payload is damaged: ${detail}`, { hint: 'rebuild the appliance with kiln appliance build --refresh; if that fails the same way, kiln does not understand this kernel package: report it' });
  }
}

/** The bytes of a legacy LZ4 stream; stops after `outputSize` bytes (trailers follow). */
export function decodeLz4Legacy(src: Buffer, outputSize: number): Buffer {
  if (!isLz4Legacy(src)) throw new Lz4Error('not an LZ4 legacy stream');
  const out = Buffer.allocUnsafe(outputSize);
  let ip = 4;
  let op = 0;
  while (op < outputSize) {
    if (ip + 4 > src.length) throw new Lz4Error(`the stream ends after ${op} of ${outputSize} bytes`);
    const size = src.readUInt32LE(ip);
    ip += 4;
    if (ip + size > src.length) throw new Lz4Error(`a block of ${size} bytes runs past the stream's end`);
    op = decodeBlock(src, ip, ip + size, out, op);
    ip += size;
  }
  return out;
}

/** One LZ4 block: sequences of literals and a match (offset back into the output). */
function decodeBlock(src: Buffer, ip: number, end: number, out: Buffer, op: number): number {
  while (ip < end) {
    const token = src[ip++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do literals += b = src[ip++]!;
      while (b === 255);
    }
    if (op + literals > out.length || ip + literals > end) throw new Lz4Error('literals run past the output or the block');
    if (literals < 32) for (let i = 0; i < literals; i++) out[op++] = src[ip++]!;
    else {
      src.copy(out, op, ip, ip + literals);
      ip += literals;
      op += literals;
    }
    if (ip >= end) break; // the last sequence has literals only
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do length += b = src[ip++]!;
      while (b === 255);
    }
    if (offset === 0 || offset > op || op + length > out.length) throw new Lz4Error(`a match (offset ${offset}, length ${length}) outside the output`);
    // a match may overlap what it writes (offset < length repeats a pattern): byte by byte
    // that is right as is; longer copies go in steps of at most `offset` bytes
    let from = op - offset;
    if (length < 32) {
      for (let i = 0; i < length; i++) out[op++] = out[from++]!;
      continue;
    }
    while (length > 0) {
      const n = Math.min(length, offset);
      out.copyWithin(op, from, from + n);
      op += n;
      from += n;
      length -= n;
    }
  }
  return op;
}
