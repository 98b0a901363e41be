// Files and whole trees in and out of the guest: tar streams (in through the transfer
// drive, out over the data port), with owners, modes, symlinks, hard links, device nodes
// and xattrs kept, and the guest's byte count checked against the host's.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import type { CommandRunner, ExecResult } from './command.js';
import type { DataPort } from './dataport.js';
import { DATA_PORT_LANE, EXEC_LANE, LANE_FAULT_HINT, TRANSFER_DRIVE_LANE, TransferError } from './errors.js';
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

export { TransferError };

/** What to try when the guest's tar (or another guest command) says why it failed. */
const GUEST_SAID_HINT = 'the guest\'s messages above say why (e.g. a full disk in the appliance, or a path below a file)';

function guestFailure(lane: string, operation: string, what: string, r: ExecResult, counts: { sent?: number; received?: number } = {}): TransferError {
  return new TransferError(lane, operation, `${what} failed in the guest (exit ${r.exitCode ?? r.signal}): ${tail(r.stderr)}`, { hint: GUEST_SAID_HINT, ...counts });
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' / ') || '(no message)';
}

/** tar --totals prints "Total bytes read|written: N (...)" on stderr. */
export function parseTotals(stderr: string, lane = TRANSFER_DRIVE_LANE, operation = 'counting the bytes the guest moved'): number {
  const m = /Total bytes (?:read|written): (\d+)/.exec(stderr);
  if (!m) throw new TransferError(lane, operation, `no byte count from the guest's tar: ${tail(stderr)}`, { hint: LANE_FAULT_HINT });
  return Number(m[1]);
}

/**
 * Copy the host directory `hostDir`'s contents into `guestDir` (created if missing): the
 * host's tar fills the transfer drive while the guest's tar unpacks what readdrive splices
 * out of it, told on stdin how far the host has written ("N" lines, then "end N", or
 * "fail"). Both ends count the bytes; a difference is a TransferError.
 */
export async function putTree(ch: CommandRunner, drive: TransferDrive, hostDir: string, guestDir: string): Promise<number> {
  const op = `copying ${hostDir} into the appliance's ${guestDir}`;
  const lane = TRANSFER_DRIVE_LANE;
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
          const { code, error } = await exitOf(tar);
          if (code !== 0) {
            throw new TransferError(lane, op, `the host's tar could not write the stream (${error ? error.message : code === null ? 'killed' : `exit ${code}`}): ${hostErr() || '(no message)'}`, {
              hint: `check that ${hostDir} exists and that kiln can read everything under it, and that the file system holding ${drive.file} has room`,
            });
          }
        }, (n) => lengths.write(`${n}\n`));
      } catch (e) {
        lengths.end('fail\n');
        await guest.catch(() => {});
        throw e;
      }
      lengths.end(`end ${bytes}\n`);
      const result = await guest;
      // readdrive's own message names the cause; tar then only saw its input end early
      const reader = result.stderr.split('\n').find((l) => l.startsWith('readdrive: '))?.slice('readdrive: '.length);
      if (result.exitCode !== 0) {
        if (reader) throw new TransferError(lane, op, `the guest's reader of the drive failed after the host wrote ${bytes} bytes: ${reader}`, { hint: LANE_FAULT_HINT, sent: bytes });
        throw guestFailure(lane, op, `unpacking into ${guestDir}`, result, { sent: bytes });
      }
      const got = parseTotals(result.stderr, lane, op);
      if (got !== bytes) throw new TransferError(lane, op, `the host wrote ${bytes} bytes, the guest's tar read ${got}${reader ? ` (the guest's reader: ${reader})` : ''}`, { hint: LANE_FAULT_HINT, sent: bytes, received: got });
      return bytes;
    } finally {
      await drive.clear();
    }
  });
}

/** Stream a tar of the guest directory `guestDir` into `dest` (a file path or a stream). */
export async function getTreeArchive(ch: CommandRunner, port: DataPort, guestDir: string, dest: string | Writable, extraTarArgs: string[] = []): Promise<number> {
  const op = `copying the appliance's ${guestDir} to ${typeof dest === 'string' ? dest : 'the host'}`;
  const lane = DATA_PORT_LANE;
  return port.exclusive(async () => {
    const out = typeof dest === 'string' ? createWriteStream(dest) : dest;
    return port.receive(out, op, () => {
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
        if (r.exitCode !== 0) throw guestFailure(lane, op, `archiving ${guestDir}`, r);
        throw new TransferError(lane, op, `the guest's tar reported no byte count: ${tail(r.stderr)}`, { hint: LANE_FAULT_HINT });
      });
      return {
        total: Promise.race([total, failed]),
        done: async () => {
          ack.end('ok\n');
          const r = await exec;
          if (r.exitCode !== 0) throw guestFailure(lane, op, `archiving ${guestDir}`, r);
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
  const { code, error } = await hostDone;
  if (code !== 0) {
    throw new TransferError(DATA_PORT_LANE, `copying the appliance's ${guestDir} to ${hostDir}`, `unpacking on the host failed (${error ? error.message : `exit ${code}`}): ${hostErr() || '(no message)'}`, {
      hint: `check that ${hostDir} is writable and that its file system has room`,
      sent: bytes,
    });
  }
  return bytes;
}

/** Small files go over SSH itself. */
export async function putFile(ch: CommandRunner, data: string | Buffer, guestPath: string, mode = 0o644): Promise<void> {
  const r = await ch.exec(`cat > ${quote(guestPath)} && chmod ${mode.toString(8)} ${quote(guestPath)}`, { stdin: data });
  if (r.exitCode !== 0) throw guestFailure(EXEC_LANE, `writing the appliance's ${guestPath}`, `writing ${guestPath}`, r, { sent: Buffer.byteLength(data) });
}

export async function getFile(ch: CommandRunner, guestPath: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const r = await ch.exec(`cat ${quote(guestPath)}`, { onStdout: (c) => chunks.push(c), collect: false });
  if (r.exitCode !== 0) throw guestFailure(EXEC_LANE, `reading the appliance's ${guestPath}`, `reading ${guestPath}`, r);
  return Buffer.concat(chunks);
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (c: Buffer) => (text += c.toString()));
  return () => text.trim();
}

/** The child's exit code, or why it could not run (e.g. no tar on the host). */
function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
}
