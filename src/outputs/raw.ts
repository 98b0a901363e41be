// raw: the target disk as is. Copied through qemu-img rather than cp so holes stay holes
// (a 20 GiB image with 2 GiB of data stays 2 GiB on disk) without relying on reflinks.
import { atomicOutput } from './atomic.js';
import { qemuImgConvert, qemuImgSupported } from './qemu-img.js';
import type { OutputFormat } from './types.js';

export const raw: OutputFormat = {
  name: 'raw',
  ext: 'raw',
  needs: 'disk',
  supported: qemuImgSupported,
  write: (input, dest, opts = {}) =>
    atomicOutput(dest, (tmp) => qemuImgConvert(input, tmp, { format: 'raw', signal: opts.signal, label: 'raw' })),
};
