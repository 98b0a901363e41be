// squashfs from the tree tar, without root: the tar already carries the owners, so no
// chown is needed anywhere. xz, as DIB's mksquashfs call. Two tools can do it:
// - tar2sqfs (squashfs-tools-ng), preferred: keeps the tar's root entry ("./") and every
//   timestamp, and writes a zero creation time: reproducible as is;
// - sqfstar (squashfs-tools >= 4.5; Debian bookworm has 4.5.1), fallback: it drops the "./"
//   entry (the root would be 0777 owned by whoever runs it), so kiln reads that entry and
//   passes its mode and owner; and since 4.5.1 ignores -root-time, a SOURCE_DATE_EPOCH is
//   applied to every file with -all-time.
import { atomicOutput } from './atomic.js';
import { readTarEntries, type TarEntry } from './tar-format.js';
import { findTool, requireTool, runTool } from '../host/tools.js';
import { WITHOUT_SOURCE_DATE_EPOCH } from '../host/run.js';
import type { OutputFormat, WriteOptions } from './types.js';

const TAR2SQFS = { tool: 'tar2sqfs', debianPackage: 'squashfs-tools-ng', purpose: 'write squashfs images' };
const SQFSTAR = { tool: 'sqfstar', debianPackage: 'squashfs-tools', purpose: 'write squashfs images' };

export function tar2sqfsArgs(output: string): string[] {
  return ['--quiet', '--force', '--compressor', 'xz', output];
}

export function sqfstarArgs(output: string, root: Pick<TarEntry, 'mode' | 'uid' | 'gid'>, opts: Pick<WriteOptions, 'sourceDateEpoch'>): string[] {
  const args = ['-comp', 'xz', '-quiet', '-no-progress'];
  args.push('-root-mode', (root.mode & 0o7777).toString(8), '-root-uid', String(root.uid), '-root-gid', String(root.gid));
  if (opts.sourceDateEpoch !== undefined) args.push('-mkfs-time', String(opts.sourceDateEpoch), '-all-time', String(opts.sourceDateEpoch));
  return [...args, output];
}

const ROOT_NAMES = new Set(['.', './', '', '/']);

/** The tar's root directory entry, or root-owned 0755 if the tar has none. */
export async function tarRoot(input: string): Promise<Pick<TarEntry, 'mode' | 'uid' | 'gid'>> {
  const [first] = await readTarEntries(input, 1);
  return first && ROOT_NAMES.has(first.name) && first.type === '5' ? first : { mode: 0o755, uid: 0, gid: 0 };
}

export type SquashfsTool = 'tar2sqfs' | 'sqfstar';

const MISSING: Record<SquashfsTool | 'auto', string> = {
  auto: 'neither tar2sqfs (Debian package squashfs-tools-ng) nor sqfstar (squashfs-tools >= 4.5) is installed',
  tar2sqfs: 'tar2sqfs is not installed (Debian package squashfs-tools-ng)',
  sqfstar: 'sqfstar is not installed (Debian package squashfs-tools >= 4.5)',
};

/** Which tool will be used: tar2sqfs when installed, else sqfstar; undefined when neither. */
export async function pickSquashfsTool(): Promise<SquashfsTool | undefined> {
  if (await findTool('tar2sqfs')) return 'tar2sqfs';
  if (await findTool('sqfstar')) return 'sqfstar';
  return undefined;
}

/** The squashfs format with the tool chosen per host (`auto`) or forced (tests, debugging). */
export function squashfsFormat(tool: SquashfsTool | 'auto' = 'auto'): OutputFormat {
  return {
    name: 'squashfs',
    ext: 'squash',
    needs: 'tree',
    supported: async () => {
      const found = tool === 'auto' ? await pickSquashfsTool() : (await findTool(tool)) && tool;
      return found ? { ok: true } : { ok: false, why: MISSING[tool] };
    },
    write: (input, dest, opts = {}) =>
      atomicOutput(dest, async (tmp) => {
        const doing = 'make the squashfs image';
        const use = tool === 'auto' ? ((await pickSquashfsTool()) ?? 'tar2sqfs') : tool;
        if (use === 'tar2sqfs') {
          const path = await requireTool(TAR2SQFS);
          await runTool(path, tar2sqfsArgs(tmp), { inputFile: input, signal: opts.signal, doing });
        } else {
          const path = await requireTool(SQFSTAR);
          await runTool(path, sqfstarArgs(tmp, await tarRoot(input), opts), { inputFile: input, signal: opts.signal, doing, env: WITHOUT_SOURCE_DATE_EPOCH });
        }
      }),
  };
}

export const squashfs: OutputFormat = squashfsFormat();
