// The SSH lane: an ssh2 Client over the virtio-serial UNIX socket, for interactive shells
// (pty) and as a second way in. Commands normally go through kiln-execd (execd.ts), which
// is several times faster per command under emulation. Environment goes in the rendered
// script, never SSH env.
import ssh2, { type Client as SshClient, type ClientChannel, type PseudoTtyOptions } from 'ssh2';
import type { Readable, Writable } from 'node:stream';
const { Client } = ssh2;
import type { CommandRunner, ExecOptions, ExecResult } from './command.js';
import { hostKeyMatches, publicKeyBlob, type VmKeys } from './keys.js';
import { connectSocket } from './socket.js';

export interface SshExecOptions extends ExecOptions {
  pty?: PseudoTtyOptions | false;
}

export class Channel implements CommandRunner {
  private constructor(private readonly client: SshClient) {}

  /** Connect through `socketPath`, accepting only `keys.hostPublic`. Resolves when SSH is ready. */
  static async open(socketPath: string, keys: VmKeys, timeoutMs: number, signal?: AbortSignal): Promise<Channel> {
    const sock = await connectSocket(socketPath, timeoutMs, signal);
    const expected = publicKeyBlob(keys.hostPublic);
    const client = new Client();
    return new Promise<Channel>((resolve, reject) => {
      const fail = (e: Error) => {
        client.end();
        reject(e);
      };
      signal?.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
      client.once('ready', () => resolve(new Channel(client)));
      client.on('error', fail);
      client.connect({
        sock,
        username: 'root',
        privateKey: keys.clientPrivate,
        readyTimeout: timeoutMs,
        keepaliveInterval: 0,
        hostVerifier: (key: Buffer) => hostKeyMatches(expected, key),
        algorithms: {
          // chacha20 needs no AES-NI, which the guest side emulates slowly under TCG
          cipher: ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr'],
          serverHostKey: ['ssh-ed25519'],
        },
      });
    });
  }

  exec(command: string, opts: SshExecOptions = {}): Promise<ExecResult> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      this.client.exec(command, { pty: opts.pty ?? false }, (err: Error | undefined, stream: ClientChannel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        const collect = opts.collect !== false;
        let exitCode: number | null = null;
        let signal: string | null = null;
        stream.on('data', (c: Buffer) => {
          opts.onStdout?.(c);
          if (collect) out.push(c);
        });
        stream.stderr.on('data', (c: Buffer) => {
          opts.onStderr?.(c);
          if (collect) errs.push(c);
        });
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        stream.on('close', () =>
          resolve({
            exitCode,
            signal,
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(errs).toString(),
            durationMs: performance.now() - t0,
          }),
        );
        feedStdin(stream, opts.stdin);
      });
    });
  }

  /** An interactive shell (or command) with a pty, wired to the given streams until it exits. */
  interactive(command: string | undefined, io: { stdin: Readable; stdout: Writable; stderr: Writable }, pty: PseudoTtyOptions): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const onStream = (err: Error | undefined, stream: ClientChannel) => {
        if (err) return reject(err);
        let code: number | null = null;
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('close', () => {
          io.stdin.unpipe(stream);
          resolve(code);
        });
        stream.pipe(io.stdout, { end: false });
        stream.stderr.pipe(io.stderr, { end: false });
        io.stdin.pipe(stream);
      };
      if (command === undefined) this.client.shell(pty, onStream);
      else this.client.exec(command, { pty }, onStream);
    });
  }

  close(): void {
    this.client.end();
  }
}

function feedStdin(stream: ClientChannel, stdin: ExecOptions['stdin']): void {
  if (stdin === undefined) stream.end();
  else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) stream.end(stdin);
  else stdin.pipe(stream);
}
