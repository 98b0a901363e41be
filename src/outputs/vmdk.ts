// vmdk: qemu-img's default single-file monolithicSparse, as DIB makes it. Subformats that
// write several files (monolithicFlat, twoGbMaxExtent*) are refused: the output is one file.
import { atomicOutput } from './atomic.js';
import { deriveId32 } from '../ids.js';
import { OutputError } from './errors.js';
import { qemuImgConvert, qemuImgSupported, splitQemuImgOptions } from './qemu-img.js';
import type { OutputFormat } from './types.js';
import { rewriteVmdkCid } from './vmdk-descriptor.js';

const SINGLE_FILE = ['monolithicSparse', 'streamOptimized'];

export const vmdk: OutputFormat = {
  name: 'vmdk',
  ext: 'vmdk',
  needs: 'disk',
  supported: qemuImgSupported,
  write: (input, dest, opts = {}) => {
    const options = splitQemuImgOptions(opts.qemuImgOptions);
    const sub = options.find((o) => o.startsWith('subformat='))?.slice('subformat='.length);
    if (sub !== undefined && !SINGLE_FILE.includes(sub)) {
      return Promise.reject(new OutputError(`vmdk subformat=${sub} writes several files; kiln writes ${SINGLE_FILE.join(' or ')}`));
    }
    return atomicOutput(dest, async (tmp) => {
      await qemuImgConvert(input, tmp, { format: 'vmdk', options, signal: opts.signal, label: 'vmdk' });
      if (opts.seed !== undefined) await rewriteVmdkCid(tmp, deriveId32('kiln-output', opts.seed, 'vmdk-cid'));
    });
  },
};
