// Files and whole trees in and out of the guest: tar streams (in through the transfer
// drive, out over the data port), with owners, modes, symlinks, hard links, device nodes
// and xattrs kept, and the guest's byte count checked against the host's.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import type { CommandRunner, ExecResult } from './command.js';
import type { DataPort } from './dataport.js';
import type { TransferDrive } from './transfer-drive.js';
import { quote } from '../quote.js';

export const DATA_DEVICE = '/dev/virtio-ports/kiln.data';
/** appliance/readdrive in the guest */
const READDRIVE = '/usr/lib/kiln/readdrive';

/** GNU tar flags that keep everything a root filesystem has. */
const keepAll = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls', '--sparse'];

/**
 * 128 KiB tar records instead of 10 KiB: a twelfth of the reads and writes on the port,
 * which under emulation are what a transfer costs. Both ends of a stream must agree: the
 * guest reads the port (which never ends) in whole records.
 */
const records = ['-b', '256'];

export class TransferError extends Error {}

function checkExit(what: string, r: ExecResult): void {
  if (r.exitCode !== 0) throw new TransferError(`${what} failed in the guest (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' / ')}`);
}

/** tar --totals prints "Total bytes read|written: N (...)" on stderr. */
export function parseTotals(stderr: string): number {
  const m = /Total bytes (?:read|written): (\d+)/.exec(stderr);
  if (!m) throw new TransferError(`no byte count from the guest's tar: ${stderr.trim()}`);
  return Number(m[1]);
}

/**
 * Copy the host directory `hostDir`'s contents into `guestDir` (created if missing): the
 * host's tar fills the transfer drive while the guest's tar unpacks what readdrive splices
 * out of it, told on stdin how far the host has written.
 */
export async function putTree(ch: CommandRunner, drive: TransferDrive, hostDir: string, guestDir: string): Promise<number> {
  return drive.exclusive(async () => {
    const dev = await drive.guestDevice(ch);
    const lengths = new PassThrough();
    try {
      // readdrive: O_DIRECT, so no guest page cache (nothing stale of an earlier transfer),
      // and no copy before tar's own read
      const guest = ch.exec(`mkdir -p ${quote(guestDir)} && ${READDRIVE} ${dev} | tar -x -p --same-owner ${records.join(' ')} ${keepAll.join(' ')} --totals -C ${quote(guestDir)} -f -`, { stdin: lengths });
      guest.catch(() => {}); // awaited below; a channel that closes meanwhile is no unhandled rejection
      let bytes: number;
      try {
        // host tar writes the drive's file itself: no copy through node on the way
        bytes = await drive.fillWith(async (file) => {
          const tar = spawn('tar', ['-C', hostDir, '-c', '-f', file, ...records, ...keepAll, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
          const hostErr = collect(tar.stderr);
          if ((await exitOf(tar)) !== 0) throw new TransferError(`reading ${hostDir} on the host failed: ${hostErr()}`);
        }, (n) => lengths.write(`${n}\n`));
      } catch (e) {
        lengths.end('fail\n');
        await guest.catch(() => {});
        throw e;
      }
      lengths.end(`${bytes}\n`);
      const result = await guest;
      checkExit(`unpacking into ${guestDir}`, result);
      const got = parseTotals(result.stderr);
      if (got !== bytes) throw new TransferError(`tree transfer to ${guestDir}: sent ${bytes} bytes, the guest read ${got}`);
      return bytes;
    } finally {
      await drive.clear();
    }
  });
}

/** Stream a tar of the guest directory `guestDir` into `dest` (a file path or a stream). */
export async function getTreeArchive(ch: CommandRunner, port: DataPort, guestDir: string, dest: string | Writable, extraTarArgs: string[] = []): Promise<number> {
  return port.exclusive(async () => {
    const out = typeof dest === 'string' ? createWriteStream(dest) : dest;
    return port.receive(out, () => {
      // the port stays open (fd 3) until the host acknowledges on stdin that it has every byte
      const ack = new PassThrough();
      let stderr = '';
      let gotTotal: (n: number) => void = () => {};
      const total = new Promise<number>((resolve) => (gotTotal = resolve));
      const cmd = `exec 3>${DATA_DEVICE}; tar -C ${quote(guestDir)} -c -f - ${keepAll.join(' ')} ${extraTarArgs.map(quote).join(' ')} --totals . >&3 || exit $?; read _ack`;
      const exec = ch.exec(cmd, {
        stdin: ack,
        onStderr: (c) => {
          stderr += c.toString();
          const m = /Total bytes written: (\d+)/.exec(stderr);
          if (m) gotTotal(Number(m[1]));
        },
      });
      const failed = exec.then((r) => {
        checkExit(`archiving ${guestDir}`, r);
        throw new TransferError(`archiving ${guestDir}: the guest's tar reported no byte count`);
      });
      return {
        total: Promise.race([total, failed]),
        done: async () => {
          ack.end('ok\n');
          checkExit(`archiving ${guestDir}`, await exec);
        },
      };
    });
  });
}

/** Copy the guest directory into `hostDir`, keeping owners when the host side runs as root. */
export async function getTree(ch: CommandRunner, port: DataPort, guestDir: string, hostDir: string): Promise<number> {
  const asRoot = process.getuid?.() === 0;
  const tar = spawn('tar', ['-x', '-f', '-', ...records, '-C', hostDir, '-p', ...(asRoot ? ['--same-owner'] : ['--no-same-owner']), ...keepAll], { stdio: ['pipe', 'ignore', 'pipe'] });
  const hostErr = collect(tar.stderr);
  const hostDone = exitOf(tar);
  const bytes = await getTreeArchive(ch, port, guestDir, tar.stdin, records);
  const code = await hostDone;
  if (code !== 0) throw new TransferError(`unpacking into ${hostDir} on the host failed: ${hostErr()}`);
  return bytes;
}

/** Small files go over SSH itself. */
export async function putFile(ch: CommandRunner, data: string | Buffer, guestPath: string, mode = 0o644): Promise<void> {
  const r = await ch.exec(`cat > ${quote(guestPath)} && chmod ${mode.toString(8)} ${quote(guestPath)}`, { stdin: data });
  checkExit(`writing ${guestPath}`, r);
}

export async function getFile(ch: CommandRunner, guestPath: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const r = await ch.exec(`cat ${quote(guestPath)}`, { onStdout: (c) => chunks.push(c), collect: false });
  checkExit(`reading ${guestPath}`, r);
  return Buffer.concat(chunks);
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (c: Buffer) => (text += c.toString()));
  return () => text.trim();
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}
