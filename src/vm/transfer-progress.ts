// Byte progress of tree transfers, measured at the VM's side of the lanes without the lanes'
// help: the host tar filling the transfer drive (trees in), the archive file or directory
// growing on the host (trees out). Each transfer reports what it has moved while it runs and
// its checked byte count when it is done.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pollGrowth } from '../host/poll.js';

export interface TransferProgress {
  bytes: number;
  /** Known for trees in (an estimate of the tar stream), unknown for trees out. */
  total?: number;
  done: boolean;
}

export type OnTransferProgress = (p: TransferProgress) => void;

/**
 * Run `transfer` (which resolves to its byte count) while `measure` is polled; without a
 * listener it is just the transfer.
 */
export async function watchTransfer(transfer: () => Promise<number>, measure: () => Promise<number | undefined>, on?: OnTransferProgress, total?: number): Promise<number> {
  if (!on) return transfer();
  on({ bytes: 0, total, done: false });
  // only growth is progress: a lane empties its drive file when it is done, before it returns
  let most = 0;
  const poll = pollGrowth(measure, (bytes) => {
    if (bytes <= most) return;
    most = bytes;
    on({ bytes: total !== undefined ? Math.min(bytes, total) : bytes, total, done: false });
  });
  try {
    const bytes = await transfer();
    poll.stop();
    on({ bytes, total: total !== undefined ? Math.max(total, bytes) : undefined, done: true });
    return bytes;
  } finally {
    poll.stop();
  }
}

const BLOCK = 512;
/** The tar record the transfer lanes use (-b 256). */
const RECORD = 256 * BLOCK;

/**
 * About how long a tar of `dir` is: a header per entry and each file's data in whole blocks,
 * the end marker, the last record filled. (Long names and xattrs add a little more.)
 */
export async function tarSizeEstimate(dir: string): Promise<number> {
  const data = await walk(dir, (size) => BLOCK + Math.ceil(size / BLOCK) * BLOCK);
  const bytes = BLOCK /* the directory itself */ + data + 2 * BLOCK;
  return Math.ceil(bytes / RECORD) * RECORD;
}

/** Bytes of the regular files under `dir` (what a tree received so far holds). */
export async function dirBytes(dir: string): Promise<number> {
  return walk(dir, (size) => size);
}

async function walk(dir: string, cost: (size: number, isFile: boolean) => number): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += cost(0, false) + (await walk(p, cost));
    else if (e.isFile()) n += cost((await lstat(p).catch(() => ({ size: 0 }))).size, true);
    else n += cost(0, false);
  }
  return n;
}
