// The framing of kiln-execd (appliance/execd), as pure data: encode a frame, split a byte
// stream back into frames, render an exec request, read a wait status.
// Frame: type (1 byte), request id (u32 BE), payload length (u32 BE), payload.
import { constants } from 'node:os';

export const HEADER = 9;

/** Host -> guest frame types. */
export const ToGuest = { hello: 'h', exec: 'x', stdin: 'i', stdinEnd: 'e', kill: 'k' } as const;
/** Guest -> host frame types. */
export const ToHost = { hello: 'H', stdout: 'O', stderr: 'E', stdinAck: 'A', exit: 'X', failed: 'F' } as const;

export interface Frame {
  type: string;
  id: number;
  payload: Buffer;
}

export function encodeFrame(type: string, id: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(HEADER);
  head.write(type, 0, 1, 'latin1');
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; a frame may arrive in any number of pieces. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size < HEADER) return [];
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const frames: Frame[] = [];
    let at = 0;
    while (buf.length - at >= HEADER) {
      const len = buf.readUInt32BE(at + 5);
      if (buf.length - at < HEADER + len) break;
      // a copy, not a view: the caller may keep payloads after the next chunk arrives
      frames.push({ type: String.fromCharCode(buf[at]!), id: buf.readUInt32BE(at + 1), payload: Buffer.from(buf.subarray(at + HEADER, at + HEADER + len)) });
      at += HEADER + len;
    }
    buf = buf.subarray(at);
    this.pending = buf.length ? [buf] : [];
    this.size = buf.length;
    return frames;
  }
}

export interface ExecRequest {
  /** sh: argv is one command line for /bin/sh; argv: run argv[0] with argv as is. */
  kind: 'sh' | 'argv';
  argv: string[];
  /** The command's whole environment: nothing else reaches it. */
  env: Record<string, string>;
  cwd: string;
}

/** Fields are C strings, so NUL separates them and may not occur in any. */
function fields(parts: string[], what: string): Buffer {
  const bad = parts.find((p) => p.includes('\0'));
  if (bad !== undefined) throw new Error(`${what} contains a NUL byte, which no command line or environment can carry: ${JSON.stringify(bad.slice(0, 80))}`);
  return Buffer.from(parts.join('\0'));
}

export function envEntries(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!k || k.includes('=')) throw new Error(`not an environment variable name: ${JSON.stringify(k)}`);
    return `${k}=${v}`;
  });
}

export function encodeExecRequest(r: ExecRequest): Buffer {
  if (r.argv.length === 0 || (r.kind === 'sh' && r.argv.length !== 1)) throw new Error(`an exec request of kind ${r.kind} with ${r.argv.length} arguments`);
  return fields([r.kind, r.cwd, String(r.argv.length), ...r.argv, ...envEntries(r.env)], 'the command');
}

/** Hello: the cwd and environment the guest prepares its next shell with. */
export function encodeHello(cwd: string, env: Record<string, string>): Buffer {
  return fields([cwd, ...envEntries(env)], 'the default environment');
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** A raw wait status (as waitpid returns it) -> exit code or signal name, as SSH reports them. */
export function decodeWaitStatus(status: number): { exitCode: number | null; signal: string | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: null, signal: signalNames.get(sig) ?? `SIG${sig}` };
}
