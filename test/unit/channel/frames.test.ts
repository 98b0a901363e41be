import { describe, expect, it } from 'vitest';
import { decodeWaitStatus, encodeExecRequest, encodeFrame, encodeHello, FrameDecoder, HEADER } from '../../../src/channel/frames.js';

describe('frames', () => {
  it('encodes type, id and length before the payload', () => {
    const f = encodeFrame('x', 0x01020304, 'abc');
    expect([...f]).toEqual([0x78, 1, 2, 3, 4, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect(encodeFrame('e', 7)).toHaveLength(HEADER);
  });

  it('decodes frames split anywhere and glued together', () => {
    const stream = Buffer.concat([encodeFrame('O', 1, 'hello'), encodeFrame('E', 2, ''), encodeFrame('X', 1, '256'), encodeFrame('O', 3, Buffer.alloc(70000, 1))]);
    for (const step of [1, 2, 5, 9, 13, 4096, stream.length]) {
      const d = new FrameDecoder();
      const got = [];
      for (let at = 0; at < stream.length; at += step) got.push(...d.push(stream.subarray(at, at + step)));
      expect(got.map((f) => [f.type, f.id, f.payload.length])).toEqual([
        ['O', 1, 5],
        ['E', 2, 0],
        ['X', 1, 3],
        ['O', 3, 70000],
      ]);
      expect(got[0]!.payload.toString()).toBe('hello');
    }
  });

  it('keeps payloads intact after later chunks reuse the buffer', () => {
    const d = new FrameDecoder();
    const chunk = Buffer.from(encodeFrame('O', 1, 'first'));
    const [f] = d.push(chunk);
    chunk.fill(0);
    expect(f!.payload.toString()).toBe('first');
  });
});

describe('exec requests', () => {
  it('are NUL-separated fields: kind, cwd, argc, argv, environment', () => {
    const r = encodeExecRequest({ kind: 'argv', argv: ['/bin/echo', '', 'a b'], env: { PATH: '/bin', EMPTY: '' }, cwd: '/tmp' });
    expect(r.toString().split('\0')).toEqual(['argv', '/tmp', '3', '/bin/echo', '', 'a b', 'PATH=/bin', 'EMPTY=']);
    expect(encodeExecRequest({ kind: 'sh', argv: ['echo $HOME; exit 3'], env: {}, cwd: '/' }).toString().split('\0')).toEqual(['sh', '/', '1', 'echo $HOME; exit 3']);
  });

  it('refuse what a C string cannot carry, saying what', () => {
    expect(() => encodeExecRequest({ kind: 'sh', argv: ['echo a\0b'], env: {}, cwd: '/' })).toThrow(/NUL byte/);
    expect(() => encodeExecRequest({ kind: 'argv', argv: ['x'], env: { 'A=B': '1' }, cwd: '/' })).toThrow(/not an environment variable name/);
    expect(() => encodeExecRequest({ kind: 'argv', argv: [], env: {}, cwd: '/' })).toThrow(/0 arguments/);
    expect(() => encodeExecRequest({ kind: 'sh', argv: ['a', 'b'], env: {}, cwd: '/' })).toThrow(/kind sh with 2/);
  });

  it('hello carries the cwd and environment of warm shells', () => {
    expect(encodeHello('/root', { HOME: '/root', PATH: '/bin' }).toString().split('\0')).toEqual(['/root', 'HOME=/root', 'PATH=/bin']);
  });
});

describe('decodeWaitStatus', () => {
  it('reads an exit code or a signal the way SSH reports them', () => {
    expect(decodeWaitStatus(0)).toEqual({ exitCode: 0, signal: null });
    expect(decodeWaitStatus(7 << 8)).toEqual({ exitCode: 7, signal: null });
    expect(decodeWaitStatus(127 << 8)).toEqual({ exitCode: 127, signal: null });
    expect(decodeWaitStatus(15)).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(decodeWaitStatus(9 | 0x80)).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });
});
