// The machine's temp dir (TMPDIR, else /tmp), where a VM keeps its sockets, keys and console
// log: checked before a build starts, and every temp dir made in it through here, so a TMPDIR
// that is missing, a file or read-only is one usage error naming it, not a raw mkdtemp error.
import { constants } from 'node:fs';
import { access, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

function tmpdirError(dir: string, why: string, cause?: unknown): UsageError {
  const name = process.env.TMPDIR ? `TMPDIR ${dir}` : `the temp dir ${dir}`;
  return new UsageError(`${name}: ${why}; kiln keeps its VMs' sockets and logs there`, {
    hint: process.env.TMPDIR ? 'point TMPDIR at a directory you can write to, or unset it' : 'make /tmp a directory you can write to, or set TMPDIR',
    cause,
  });
}

/** TMPDIR (or /tmp), or a usage error saying what is wrong with it. */
export async function checkTmpdir(): Promise<string> {
  const dir = tmpdir();
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw tmpdirError(dir, e.code === 'ENOENT' ? 'no such directory' : `cannot use it (${e.code ?? e.message})`, e);
  });
  if (!st.isDirectory()) throw tmpdirError(dir, 'not a directory');
  await access(dir, constants.W_OK | constants.X_OK).catch((e: NodeJS.ErrnoException) => {
    throw tmpdirError(dir, `cannot write there (${e.code ?? e.message})`, e);
  });
  return dir;
}

/** mkdtemp in TMPDIR: `kiln-vm-XXXXXX`. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await checkTmpdir();
  return mkdtemp(join(dir, prefix)).catch((e: NodeJS.ErrnoException) => {
    throw tmpdirError(dir, `cannot make a directory there (${e.code ?? e.message})`, e);
  });
}
