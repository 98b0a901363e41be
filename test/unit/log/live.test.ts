// The live display as data: the reducer's states and the lines it leaves, the rendered live
// area at given times and widths, and the sink's use of the terminal (a fake stream).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/log.js';
import { bytes, elapsed, fit, screenLine } from '../../../src/log/format.js';
import { renderLive } from '../../../src/log/live-render.js';
import { LiveSink } from '../../../src/log/live-sink.js';
import { initialState, reduce, TAIL_LINES, type LiveState } from '../../../src/log/live-state.js';

const plain = { color: false, debug: false };

/** Feed events at the given times (ms); the state and everything persisted. */
function feed(events: [number, Event][], o = plain): { state: LiveState; persisted: string } {
  let state = initialState(0);
  let persisted = '';
  for (const [t, e] of events) {
    const r = reduce(state, e, t, o);
    state = r.state;
    persisted += r.persist;
  }
  return { state, persisted };
}

const ROOT: [number, Event][] = [
  [0, { type: 'info', message: 'elements: base debian-minimal vm hello' }],
  [100, { type: 'step', step: 'resolve elements', state: 'start', n: 1, of: 31 }],
  [500, { type: 'step', step: 'resolve elements', state: 'end', n: 1, of: 31, durationMs: 400 }],
  [60_000, { type: 'step', step: 'root.d', state: 'start', n: 8, of: 31 }],
  [61_000, { type: 'script', element: 'debootstrap', phase: 'root', script: '08-debootstrap', state: 'start' }],
  [62_000, { type: 'output', stream: 'stdout', line: 'I: Retrieving InRelease' }],
  [62_100, { type: 'output', stream: 'stdout', line: 'I: Checking Release signature' }],
  [62_200, { type: 'output', stream: 'stdout', line: '' }],
  [62_300, { type: 'output', stream: 'stdout', line: 'I: Validating Packages' }],
  [62_400, { type: 'output', stream: 'stdout', line: '\x1b[1mI: Resolving\x1b[0m dependencies\r' }],
];

describe('the live display state', () => {
  it('keeps the running step, script and the last lines of its output; leaves messages and finished steps above', () => {
    const { state, persisted } = feed(ROOT);
    expect(persisted).toBe('kiln: elements: base debian-minimal vm hello\n✓ [1/31] resolve elements 0.4s\n');
    expect(state.steps).toEqual([{ name: 'root.d', n: 8, of: 31, startedAt: 60_000 }]);
    expect(state.script).toEqual({ element: 'debootstrap', phase: 'root', script: '08-debootstrap', startedAt: 61_000 });
    expect(state.tail).toHaveLength(TAIL_LINES);
    expect(state.tail).toEqual(['I: Checking Release signature', 'I: Validating Packages', 'I: Resolving dependencies']);
  });

  it('leaves a failing script and step above, and the error; then it is finished', () => {
    const { state, persisted } = feed([
      ...ROOT,
      [70_000, { type: 'script', element: 'debootstrap', phase: 'root', script: '08-debootstrap', state: 'end', exitCode: 3, durationMs: 9000 }],
      [70_001, { type: 'step', step: 'root.d', state: 'fail', n: 8, of: 31, durationMs: 10_001 }],
      [70_002, { type: 'error', exitCode: 1, kind: 'failed', error: 'PhaseScriptError', message: 'element debootstrap: root.d/08-debootstrap exited with status 3' }],
    ]);
    expect(persisted.split('\n').slice(2)).toEqual([
      '✗ root.d/debootstrap/08-debootstrap exit 3 after 9.0s',
      '✗ [8/31] root.d failed after 10.0s',
      'kiln: error: element debootstrap: root.d/08-debootstrap exited with status 3',
      '',
    ]);
    expect(state.finished).toBe(true);
    expect(renderLive(state, 71_000, { width: 80, color: false })).toBe('');
  });

  it('keeps nested steps as a stack', () => {
    const { state } = feed([
      [0, { type: 'step', step: 'reproducible: remake the root filesystem', state: 'start', n: 29, of: 31 }],
      [10, { type: 'step', step: 'squash the tree', state: 'start' }],
    ]);
    expect(renderLive(state, 3_000, { width: 100, color: false })).toBe(`▸ [29/31] reproducible: remake the root filesystem › squash the tree  2s${' '.repeat(19)}total 3s`);
    const after = reduce(state, { type: 'step', step: 'squash the tree', state: 'end', durationMs: 2990 }, 3_000, plain).state;
    expect(after.steps.map((s) => s.name)).toEqual(['reproducible: remake the root filesystem']);
  });

  it('prints element output above too with --debug', () => {
    expect(feed(ROOT, { color: false, debug: true }).persisted).toContain('I: Validating Packages\n');
  });

  it('steps aside for a break point shell', () => {
    const { state } = feed([...ROOT, [63_000, { type: 'breakpoint', point: 'after-root', state: 'open' }]]);
    expect(renderLive(state, 64_000, { width: 80, color: false })).toBe('');
    expect(renderLive(reduce(state, { type: 'breakpoint', point: 'after-root', state: 'closed' }, 65_000, plain).state, 65_000, { width: 80, color: false })).not.toBe('');
  });
});

describe('the live area', () => {
  it('shows step N of M, the step and the total elapsed time, the running script, its last lines', () => {
    const { state } = feed(ROOT);
    expect(renderLive(state, 123_400, { width: 80, color: false }).split('\n')).toEqual([
      '▸ [8/31] root.d  1m03s                                              total 2m03s',
      '  debootstrap/08-debootstrap  1m02s',
      '  │ I: Checking Release signature',
      '  │ I: Validating Packages',
      '  │ I: Resolving dependencies',
    ]);
  });

  it('moves its times with the clock', () => {
    const { state } = feed(ROOT);
    const at = (t: number) => renderLive(state, t, { width: 80, color: false }).split('\n')[1];
    expect(at(70_000)).toBe('  debootstrap/08-debootstrap  9s');
    expect(at(71_000)).toBe('  debootstrap/08-debootstrap  10s');
  });

  it('shows byte progress: a bar when the total is known, the rate after a second', () => {
    const { state } = feed([
      [0, { type: 'step', step: 'packages (host)', state: 'start', n: 3, of: 31 }],
      [1000, { type: 'progress', task: 'download', label: 'packages', bytes: 0, total: 120e6, done: false }],
      [5000, { type: 'progress', task: 'download', label: 'packages', bytes: 34.2e6, total: 120e6, done: false }],
    ]);
    expect(renderLive(state, 5000, { width: 100, color: false }).split('\n')[1]).toBe('  ↓ packages  34.2 MB / 120 MB  ██████░░░░░░░░░░░░░░  28%  8.6 MB/s');
    const out = feed([[0, { type: 'progress', task: 'tree-out', label: 'tree tar', bytes: 5e6, done: false }]]).state;
    expect(renderLive(out, 500, { width: 100, color: false }).split('\n')[1]).toBe('  ← tree tar  5.0 MB');
    const done = reduce(state, { type: 'progress', task: 'download', label: 'packages', bytes: 120e6, total: 120e6, done: true }, 6000, plain).state;
    expect(done.progress).toBeUndefined();
  });

  it('fits the terminal: no line wider than it, cut with …', () => {
    const { state } = feed([...ROOT, [62_500, { type: 'output', stream: 'stdout', line: 'x'.repeat(300) }]]);
    const lines = renderLive(state, 70_000, { width: 40, color: false }).split('\n');
    for (const l of lines) expect(l.length).toBeLessThan(40);
    expect(lines.at(-1)).toBe(`  │ ${'x'.repeat(34)}…`);
    // the total stays at the right edge
    expect(lines[0]).toBe(`▸ [8/31] root.d  10s${' '.repeat(8)}total 1m10s`);
  });

  it('colours only when asked', () => {
    const { state } = feed(ROOT);
    expect(renderLive(state, 70_000, { width: 80, color: false })).not.toContain('\x1b[');
    expect(renderLive(state, 70_000, { width: 80, color: true })).toContain('\x1b[1mroot.d\x1b[0m');
  });
});

describe('formats', () => {
  it('elapsed, bytes, fit, screen lines', () => {
    expect([0, 999, 59_999, 60_000, 3_723_000, 7_200_000].map(elapsed)).toEqual(['0s', '0s', '59s', '1m00s', '1h02m', '2h00m']);
    expect([0, 999, 1000, 34_200_000, 120_000_000, 1_234_000_000].map(bytes)).toEqual(['0 B', '999 B', '1 kB', '34.2 MB', '120 MB', '1.2 GB']);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
    expect(screenLine('50%\r75%\r100%')).toBe('100%');
    expect(screenLine('\x1b[31mred\x1b[0m\tx\x07')).toBe('red  x');
  });
});

/** A terminal stream that records what is written. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = 60;
  rows = 20;
  written = '';
  write(s: string): boolean {
    this.written += s;
    return true;
  }
}

describe('the live sink', () => {
  it('draws the live area on the terminal, leaves persisted lines, and clears it on close', async () => {
    const term = new FakeTerminal();
    let now = 0;
    const sink = new LiveSink(term as unknown as NodeJS.WriteStream, plain, () => now);
    sink.emit({ type: 'info', message: 'hello' });
    expect(term.written).toContain('kiln: hello\n');
    now = 5000;
    sink.emit({ type: 'step', step: 'root.d', state: 'start', n: 8, of: 31 });
    await new Promise((r) => setTimeout(r, 150));
    expect(term.written).toContain('▸ [8/31] root.d  0s');
    term.written = '';
    sink.emit({ type: 'breakpoint', point: 'after-root', state: 'open' });
    // the area is erased, and nothing is drawn while the shell has the terminal
    expect(term.written).toContain('\x1b[2K');
    term.written = '';
    now = 9000;
    sink.emit({ type: 'output', stream: 'stdout', line: 'inside' });
    await new Promise((r) => setTimeout(r, 150));
    expect(term.written).toBe('');
    sink.emit({ type: 'breakpoint', point: 'after-root', state: 'closed' });
    await new Promise((r) => setTimeout(r, 150));
    expect(term.written).toContain('root.d  4s');
    sink.close();
    sink.close();
    sink.emit({ type: 'info', message: 'after close' });
    expect(term.written).not.toContain('after close');
  });
});
