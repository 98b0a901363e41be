// Plain lines (a log, a pipe, CI, a dumb terminal), the summary table, and the choice of
// display from the terminal and the environment.
import { describe, expect, it } from 'vitest';
import type { Event, SummaryEvent } from '../../../src/log.js';
import { renderError, renderHuman } from '../../../src/log/plain.js';
import { plainSink } from '../../../src/log/sinks.js';
import { renderSummary } from '../../../src/log/summary.js';
import { colorWanted, displayMode, underCi } from '../../../src/log/terminal.js';

describe('plain lines', () => {
  it('one line per event, as kiln has always printed them', () => {
    const cases: [Event, string][] = [
      [{ type: 'info', message: 'hi' }, 'kiln: hi\n'],
      [{ type: 'warn', message: 'careful' }, 'kiln: warning: careful\n'],
      [{ type: 'debug', message: 'detail' }, 'kiln: debug: detail\n'],
      [{ type: 'step', step: 'root.d', state: 'start', n: 8, of: 31 }, 'kiln: [8/31] root.d...\n'],
      [{ type: 'step', step: 'root.d', state: 'end', n: 8, of: 31, durationMs: 63_204 }, 'kiln: [8/31] root.d done in 63.2s\n'],
      [{ type: 'step', step: 'squash the tree', state: 'fail', durationMs: 1_000 }, 'kiln: squash the tree failed after 1.0s\n'],
      [{ type: 'script', element: 'e', phase: 'root', script: '10-x', state: 'start' }, 'kiln: [root] e/10-x\n'],
      [{ type: 'script', element: 'e', phase: 'root', script: '10-x', state: 'end', exitCode: 0, durationMs: 1500 }, 'kiln: [root] e/10-x exit 0 in 1.5s\n'],
      [{ type: 'output', stream: 'stdout', line: 'hello' }, 'hello\n'],
      [{ type: 'progress', task: 'download', label: 'packages', bytes: 1, done: false }, ''],
      [{ type: 'breakpoint', point: 'after-root', state: 'open' }, ''],
      [{ type: 'result', exitCode: 0 }, ''],
    ];
    for (const [e, text] of cases) expect(renderHuman(e)).toBe(text);
  });

  it('no escape codes without colour; the warning and error words coloured with it', () => {
    expect(renderHuman({ type: 'warn', message: 'x' }, { color: true })).toBe('kiln: \x1b[33mwarning:\x1b[0m x\n');
    expect(renderError({ type: 'error', exitCode: 1, kind: 'failed', error: 'KilnError', message: 'x' }, { color: true })).toBe('kiln: \x1b[31merror:\x1b[0m x\n');
  });

  it('the error as kiln prints it: message, hint, cleanup errors; a bug with its note', () => {
    expect(renderError({ type: 'error', exitCode: 1, kind: 'failed', error: 'KilnError', message: 'it broke', hint: 'fix it', also: [{ kind: 'failed', error: 'KilnError', message: 'cleanup broke' }] })).toBe(
      'kiln: error: it broke\nkiln: fix it\nkiln: error: cleanup broke\n',
    );
    expect(renderError({ type: 'error', exitCode: 70, kind: 'internal', error: 'TypeError', message: 'TypeError: x' })).toBe(
      'kiln: internal error: TypeError: x\nkiln: this is a bug in kiln; run again with KILN_DEBUG=1 for the stack trace, and report it\n',
    );
  });

  it('a signal is said as it is, not as an error', () => {
    expect(renderError({ type: 'error', exitCode: 130, kind: 'interrupted', error: 'Interrupted', message: 'interrupted by SIGINT' })).toBe('kiln: interrupted by SIGINT\n');
  });

  it('the plain sink leaves out debug events and element output unless asked', () => {
    let text = '';
    const sink = plainSink((t) => (text += t), { debug: false, output: false });
    sink.emit({ type: 'debug', message: 'd' });
    sink.emit({ type: 'output', stream: 'stdout', line: 'o' });
    sink.emit({ type: 'info', message: 'i' });
    expect(text).toBe('kiln: i\n');
  });
});

describe('the summary table', () => {
  const s: SummaryEvent = {
    type: 'summary',
    ok: true,
    durationMs: 151_234,
    steps: [
      { step: 'resolve elements', durationMs: 412 },
      { step: 'appliance', durationMs: 80 },
      { step: 'root.d', durationMs: 63_204 },
      { step: 'reproducible: remake the root filesystem', durationMs: 9_000 },
      { step: 'squash the tree', durationMs: 3_100, within: 'reproducible: remake the root filesystem' },
    ],
    scripts: [
      { element: 'base', phase: 'install', script: '10-x', durationMs: 120, exitCode: 0 },
      { element: 'debootstrap', phase: 'root', script: '08-debootstrap', durationMs: 58_120.4, exitCode: 0 },
    ],
    outputs: [],
  };

  it('per-step seconds (short ones together, nested ones indented) and the slowest scripts, dib-run-parts style', () => {
    expect(renderSummary(s)).toBe(
      [
        'kiln: build finished in 151.2s',
        '  step                                        seconds',
        '  root.d                                         63.2',
        '  reproducible: remake the root filesystem        9.0',
        '    squash the tree                               3.1',
        '  2 shorter steps                                 0.5',
        '  slowest element scripts                     seconds',
        '  root.d/debootstrap/08-debootstrap            58.120',
        '  install.d/base/10-x                           0.120',
        '',
      ].join('\n'),
    );
  });

  it('says when the build failed; nothing for a build that stopped at once', () => {
    expect(renderSummary({ ...s, ok: false }).split('\n')[0]).toBe('kiln: build failed after 151.2s');
    expect(renderSummary({ ...s, ok: false, steps: [{ step: 'resolve elements', durationMs: 3 }], scripts: [] })).toBe('');
  });
});

describe('which display', () => {
  const mode = (isTTY: boolean, env: NodeJS.ProcessEnv, machineReadable = false) => displayMode({ machineReadable, isTTY, env });

  it('a live display only on a terminal that is not dumb, outside CI; JSON whenever asked', () => {
    expect(mode(true, { TERM: 'xterm-256color' })).toBe('live');
    expect(mode(false, { TERM: 'xterm-256color' })).toBe('plain');
    expect(mode(true, { TERM: 'dumb' })).toBe('plain');
    expect(mode(true, { CI: 'true' })).toBe('plain');
    expect(mode(true, { CI: '1' })).toBe('plain');
    expect(mode(true, { CI: 'false' })).toBe('live');
    expect(mode(true, { KILN_PROGRESS: 'plain' })).toBe('plain');
    expect(mode(true, {}, true)).toBe('json');
    expect(mode(false, { CI: 'true' }, true)).toBe('json');
    expect(underCi({ CI: '' })).toBe(false);
  });

  it('colour: NO_COLOR wins, FORCE_COLOR forces (0 and false do not), else a terminal', () => {
    expect(colorWanted({ isTTY: true, env: {} })).toBe(true);
    expect(colorWanted({ isTTY: false, env: {} })).toBe(false);
    expect(colorWanted({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false);
    expect(colorWanted({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorWanted({ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).toBe(false);
    expect(colorWanted({ isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
    expect(colorWanted({ isTTY: false, env: { FORCE_COLOR: '' } })).toBe(true);
    expect(colorWanted({ isTTY: true, env: { FORCE_COLOR: '0' } })).toBe(false);
    expect(colorWanted({ isTTY: true, env: { FORCE_COLOR: 'false' } })).toBe(false);
  });
});
