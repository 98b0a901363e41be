// The command lane: kiln-execd in the guest (appliance/execd) on its own virtio-serial
// port. One socket carries any number of concurrent commands, told apart by request id;
// no SSH session, no crypto, one fork per command. SSH stays for interactive shells.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { decodeWaitStatus, encodeExecRequest, encodeFrame, encodeHello, FrameDecoder, ToGuest, ToHost, type Frame } from './frames.js';
import type { CommandRunner, ExecOptions, ExecResult } from './command.js';
import { connectSocket } from './socket.js';
import { ChannelError } from '../errors.js';
import { EXEC_LANE } from './errors.js';

/** The environment every guest command starts from (what sshd gave a root session). */
export const guestBaseEnv: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  SHELL: '/bin/sh',
};
export const guestBaseCwd = '/root';

/** Unacknowledged stdin bytes per command: the guest never buffers more than this for it. */
export const STDIN_WINDOW = 1 << 20;
const STDIN_CHUNK = 1 << 16;

/** The command lane failed: the operation (a command, connecting) and what happened. */
export class ExecChannelError extends ChannelError {
  constructor(operation: string, detail: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(EXEC_LANE, operation, detail, opts);
  }
}

const GONE_HINT = 'the appliance VM stopped answering: it may have crashed or run out of memory (try a larger --memsize), or kiln was stopping it; the messages before this one say more';

/** A command as an error message names it: its first line, shortened. */
function describeCommand(argv: string[], kind: 'sh' | 'argv'): string {
  const text = (kind === 'sh' ? (argv[0] ?? '') : argv.join(' ')).split('\n')[0]!;
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

interface Pending {
  onFrame(f: Frame): void;
  /** The channel is gone, for `why`. */
  fail(why: string): void;
}

export class ExecdClient implements CommandRunner {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Why the channel is gone, once it is. */
  private closed: string | undefined;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (c: Buffer) => {
      for (const f of this.decoder.push(c)) this.pending.get(f.id)?.onFrame(f);
    });
    const gone = (why: string) => this.shutdown(`the channel closed (${why})`);
    sock.on('error', (e) => gone(e.message));
    sock.on('close', () => gone('connection closed'));
  }

  /** Connect and wait for kiln-execd's hello. */
  static async open(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecdClient> {
    const sock = await connectSocket(socketPath, timeoutMs, signal);
    sock.setNoDelay?.(true);
    const client = new ExecdClient(sock);
    const id = client.nextId++;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`kiln-execd did not answer within ${(timeoutMs / 1000).toFixed(0)}s`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        client.pending.delete(id);
        client.close();
        reject(new ExecChannelError('connecting to kiln-execd', why, { hint: GONE_HINT }));
      };
      signal?.addEventListener('abort', () => fail('aborted'), { once: true });
      client.pending.set(id, {
        onFrame: (f) => {
          if (f.type !== ToHost.hello) return;
          clearTimeout(timer);
          client.pending.delete(id);
          resolve();
        },
        fail,
      });
      sock.write(encodeFrame(ToGuest.hello, id, encodeHello(guestBaseCwd, guestBaseEnv)));
    });
    return client;
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run({ kind: 'sh', argv: [command], env: guestBaseEnv, cwd: guestBaseCwd }, opts);
  }

  /** Run argv (no shell) with exactly `env` in `cwd`. */
  execArgv(argv: string[], env: Record<string, string>, cwd = guestBaseCwd, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run({ kind: 'argv', argv, env, cwd }, opts);
  }

  private run(req: Parameters<typeof encodeExecRequest>[0], opts: ExecOptions): Promise<ExecResult> {
    const t0 = performance.now();
    const operation = `running ${describeCommand(req.argv, req.kind)}`;
    if (this.closed) return Promise.reject(new ExecChannelError(operation, this.closed, { hint: GONE_HINT }));
    let request: Buffer;
    try {
      request = encodeExecRequest(req);
    } catch (e) {
      return Promise.reject(new ExecChannelError(operation, (e as Error).message, { hint: 'the command or its environment cannot be sent as it is', cause: e }));
    }
    const id = this.nextId++;
    const collect = opts.collect !== false;
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    return new Promise<ExecResult>((resolve, reject) => {
      const stdin = new StdinFeeder(this.sock, id, opts.stdin);
      this.pending.set(id, {
        onFrame: (f) => {
          switch (f.type) {
            case ToHost.stdout:
              opts.onStdout?.(f.payload);
              if (collect) out.push(f.payload);
              break;
            case ToHost.stderr:
              opts.onStderr?.(f.payload);
              if (collect) errs.push(f.payload);
              break;
            case ToHost.stdinAck:
              stdin.acked(f.payload.readUInt32BE(0));
              break;
            case ToHost.exit:
              this.pending.delete(id);
              stdin.stop();
              resolve({ ...decodeWaitStatus(Number(f.payload.toString())), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString(), durationMs: performance.now() - t0 });
              break;
            case ToHost.failed:
              this.pending.delete(id);
              stdin.stop();
              reject(new ExecChannelError(operation, f.payload.toString(), { hint: 'the appliance could not start a process: it may be out of memory (try a larger --memsize)' }));
              break;
          }
        },
        fail: (why) => {
          stdin.stop();
          reject(new ExecChannelError(operation, why, { hint: GONE_HINT }));
        },
      });
      // no stdin: request and end of stdin in one write, one wakeup of the guest
      if (opts.stdin === undefined) this.sock.write(Buffer.concat([encodeFrame(ToGuest.exec, id, request), encodeFrame(ToGuest.stdinEnd, id)]));
      else {
        this.sock.write(encodeFrame(ToGuest.exec, id, request));
        stdin.start();
      }
    });
  }

  private shutdown(why: string): void {
    if (this.closed) return;
    this.closed = why;
    for (const p of [...this.pending.values()]) p.fail(why);
    this.pending.clear();
  }

  close(): void {
    this.shutdown('kiln closed the channel');
    this.sock.destroy();
  }
}

/** Feeds one command's stdin in frames, never more than STDIN_WINDOW ahead of the guest. */
class StdinFeeder {
  private unacked = 0;
  private stopped = false;
  private queue: Buffer[] = [];
  private ended = false;
  private stream: Readable | undefined;

  constructor(private readonly sock: Socket, private readonly id: number, private readonly source: ExecOptions['stdin']) {}

  start(): void {
    const s = this.source;
    if (s === undefined) return this.end();
    if (typeof s === 'string' || Buffer.isBuffer(s)) {
      const buf = typeof s === 'string' ? Buffer.from(s) : s;
      for (let at = 0; at < buf.length; at += STDIN_CHUNK) this.queue.push(buf.subarray(at, at + STDIN_CHUNK));
      this.ended = true;
      return this.pump();
    }
    this.stream = s;
    s.on('data', this.onData);
    s.once('end', this.onEnd);
    s.once('error', this.onEnd);
  }

  private onData = (c: Buffer | string): void => {
    const buf = typeof c === 'string' ? Buffer.from(c) : c;
    for (let at = 0; at < buf.length; at += STDIN_CHUNK) this.queue.push(buf.subarray(at, at + STDIN_CHUNK));
    this.pump();
  };

  private onEnd = (): void => {
    this.ended = true;
    this.pump();
  };

  private pump(): void {
    while (!this.stopped && this.queue.length && this.unacked < STDIN_WINDOW) {
      const c = this.queue.shift()!;
      this.unacked += c.length;
      this.sock.write(encodeFrame(ToGuest.stdin, this.id, c));
    }
    if (this.stopped) return;
    if (this.queue.length) this.stream?.pause();
    else if (this.ended) this.end();
    else this.stream?.resume();
  }

  private end(): void {
    if (this.stopped) return;
    this.sock.write(encodeFrame(ToGuest.stdinEnd, this.id));
    this.detach();
  }

  acked(n: number): void {
    this.unacked -= n;
    this.pump();
  }

  /** The command is over: what it did not read is dropped. */
  stop(): void {
    this.detach();
  }

  private detach(): void {
    this.stopped = true;
    this.queue = [];
    if (this.stream) {
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.stream.off('error', this.onEnd);
    }
  }
}
