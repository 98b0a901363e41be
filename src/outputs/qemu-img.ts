// qemu-img: the converter for every disk format. DIB's compress_and_save_image is one
// `qemu-img convert` per format; so is kiln's, run on the host at native speed.
import { findTool, requireTool, runTool, type ToolSpec } from '../host/tools.js';
import type { Support } from './types.js';

const QEMU_IMG: Omit<ToolSpec, 'purpose'> = { tool: 'qemu-img', debianPackage: 'qemu-utils' };

export async function qemuImgSupported(): Promise<Support> {
  return (await findTool('qemu-img')) ? { ok: true } : { ok: false, why: 'qemu-img is not installed (Debian package qemu-utils)' };
}

export interface ConvertOptions {
  /** qemu-img's output format name (qcow2, raw, vpc, vmdk). */
  format: string;
  compress?: boolean;
  /**
   * Compress clusters on every core, written as they finish (-m 8 -W): 40% less time on 2
   * cores, but the cluster order then varies from run to run, so not for reproducible builds.
   */
  outOfOrder?: boolean;
  /** Joined with commas into one -o. */
  options?: string[];
  signal?: AbortSignal;
  /** The kiln format name, for messages. */
  label: string;
}

/** The argument list, as data (tests assert it). */
export function convertArgs(input: string, output: string, opts: Omit<ConvertOptions, 'signal' | 'label'>): string[] {
  const args = ['convert', '-f', 'raw', '-O', opts.format];
  if (opts.compress) args.push('-c');
  if (opts.outOfOrder) args.push('-m', '8', '-W');
  const o = (opts.options ?? []).filter((x) => x !== '');
  if (o.length) args.push('-o', o.join(','));
  return [...args, input, output];
}

export async function qemuImgConvert(input: string, output: string, opts: ConvertOptions): Promise<void> {
  const qemuImg = await requireTool({ ...QEMU_IMG, purpose: `write ${opts.label} images` });
  await runTool(qemuImg, convertArgs(input, output, opts), { signal: opts.signal, doing: `convert the disk to ${opts.label}` });
}

/** --qemu-img-options as a list ("a=1,b=2" -> ["a=1", "b=2"]). */
export function splitQemuImgOptions(options: string | undefined): string[] {
  return (options ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
