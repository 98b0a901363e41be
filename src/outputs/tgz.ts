// tgz: the tree tar, gzip -9 as DIB does, by node's zlib (no gzip binary needed). zlib writes
// no name and a zero mtime in the gzip header, so the bytes depend on the tar alone.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { atomicOutput } from './atomic.js';
import type { OutputFormat } from './types.js';

export const tgz: OutputFormat = {
  name: 'tgz',
  ext: 'tgz',
  needs: 'tree',
  supported: () => Promise.resolve({ ok: true }),
  write: (input, dest, opts = {}) =>
    atomicOutput(dest, (tmp) =>
      pipeline(createReadStream(input), createGzip({ level: 9 }), createWriteStream(tmp), { signal: opts.signal }),
    ),
};
