// The event schema (docs/events.md), pinned: every kind's fields, the JSON line each becomes,
// the events kiln's producers emit, the final result/error event cli.ts adds, and the
// documentation's examples, which must be events of this very schema.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { downloadEvents } from '../../../src/apt/download-events.js';
import { StepClock } from '../../../src/build/clock.js';
import { transferEvents } from '../../../src/build/progress.js';
import { runHostPhase } from '../../../src/build/run-phase.js';
import { errorEvent, main } from '../../../src/cli.js';
import { phaseTable } from '../../../src/elements/phases.js';
import { KilnError, PhaseScriptError, UsageError, withCleanupErrors } from '../../../src/errors.js';
import { EVENT_SCHEMA_VERSION, jsonLine, loggerOf, type Event, type EventType } from '../../../src/log.js';

/** Every kind, with the fields it must have and those it may have (besides v, type, time). */
const SHAPES: Record<EventType, { required: string[]; optional?: string[] }> = {
  info: { required: ['message'] },
  warn: { required: ['message'] },
  debug: { required: ['message'] },
  step: { required: ['step', 'state'], optional: ['n', 'of', 'durationMs'] },
  script: { required: ['element', 'phase', 'script', 'state'], optional: ['exitCode', 'durationMs'] },
  output: { required: ['stream', 'line'] },
  progress: { required: ['task', 'label', 'bytes', 'done'], optional: ['total'] },
  breakpoint: { required: ['point', 'state'] },
  summary: { required: ['ok', 'durationMs', 'steps', 'scripts', 'outputs'] },
  result: { required: ['exitCode'] },
  error: { required: ['exitCode', 'kind', 'error', 'message'], optional: ['hint', 'element', 'phase', 'script', 'scriptExitCode', 'signal', 'tail', 'also', 'stack'] },
};

/** The event's fields fit its kind's shape: all required ones, nothing unknown. */
function expectShape(e: Record<string, unknown>): void {
  const shape = SHAPES[e.type as EventType];
  expect(shape, `unknown kind ${String(e.type)}`).toBeDefined();
  const fields = Object.keys(e).filter((k) => !['v', 'type', 'time'].includes(k));
  for (const f of shape.required) expect(fields, `${String(e.type)} lacks ${f}`).toContain(f);
  expect(fields.filter((f) => !shape.required.includes(f) && !(shape.optional ?? []).includes(f)), `${String(e.type)}: unknown fields`).toEqual([]);
}

const collect = () => {
  const events: Event[] = [];
  return { events, log: loggerOf({ emit: (e) => events.push(e) }) };
};

const dir = mkdtempSync(join(tmpdir(), 'kiln-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the JSON line of an event', () => {
  it('carries the schema version first, the type, the fields and the time', () => {
    const line = jsonLine({ type: 'info', message: 'hello' }, new Date('2025-01-01T12:00:00Z'));
    expect(line).toBe('{"v":1,"type":"info","message":"hello","time":"2025-01-01T12:00:00.000Z"}\n');
    expect(EVENT_SCHEMA_VERSION).toBe(1);
  });
});

describe('the events kiln produces', () => {
  it('step: start and end with the place in the step list, fail with the duration', async () => {
    const { events, log } = collect();
    const clock = new StepClock(log, ['a', 'b', 'c', 'b']);
    await clock.timed('b', async () => clock.timed('inner', async () => {}));
    await clock.timed('b', async () => {});
    await expect(clock.timed('c', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    events.forEach((e) => expectShape(e as never));
    expect(events.map((e) => e.type === 'step' && [e.step, e.state, e.n, e.of])).toEqual([
      ['b', 'start', 2, 4],
      ['inner', 'start', undefined, undefined],
      ['inner', 'end', undefined, undefined],
      ['b', 'end', 2, 4],
      ['b', 'start', 4, 4],
      ['b', 'end', 4, 4],
      ['c', 'start', undefined, undefined],
      ['c', 'fail', undefined, undefined],
    ]);
    expect(events.filter((e) => e.type === 'step' && e.state !== 'start').every((e) => e.type === 'step' && typeof e.durationMs === 'number')).toBe(true);
    expect(clock.steps.map((s) => [s.step, s.within])).toEqual([['b', undefined], ['inner', 'b'], ['b', undefined], ['c', undefined]]);
  });

  it('script and output: a host phase script, its lines, its end with exit code and time', async () => {
    const hooks = join(dir, 'hooks');
    const script = join(hooks, 'extra-data.d', '10-hello');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(hooks, 'extra-data.d'), { recursive: true }));
    writeFileSync(script, '#!/bin/bash\necho one\necho two >&2\n');
    chmodSync(script, 0o755);
    const { events, log } = collect();
    const recorded: unknown[] = [];
    await runHostPhase(
      { phase: phaseTable['extra-data'], scripts: [{ phase: 'extra-data', name: '10-hello', element: 'hello', source: script, hook: 'extra-data.d/10-hello' }] as never, environment: [], env: { PATH: process.env.PATH! }, trace: false, logger: log, redact: (t) => t, record: (t) => recorded.push(t) },
      hooks,
      dir,
    );
    events.forEach((e) => expectShape(e as never));
    expect(events.map((e) => e.type)).toEqual(['script', 'output', 'output', 'script']);
    expect(events[0]).toEqual({ type: 'script', element: 'hello', phase: 'extra-data', script: '10-hello', state: 'start' });
    expect(events.slice(1, 3)).toEqual([{ type: 'output', stream: 'stdout', line: 'one' }, { type: 'output', stream: 'stdout', line: 'two' }]);
    expect(events[3]).toMatchObject({ type: 'script', state: 'end', exitCode: 0 });
    expect(recorded).toHaveLength(1);
  });

  it('progress: downloads and tree transfers, the last one done', () => {
    const { events, log } = collect();
    downloadEvents(log, 'packages', 1000)!(500, false);
    downloadEvents(log, 'appliance packages')!(700, true);
    transferEvents(log, 'tree-in', 'hooks')({ bytes: 10, total: 20, done: false });
    transferEvents(log, 'tree-out', 'tree tar')({ bytes: 30, done: true });
    events.forEach((e) => expectShape(e as never));
    expect(events).toEqual([
      { type: 'progress', task: 'download', label: 'packages', bytes: 500, total: 1000, done: false },
      { type: 'progress', task: 'download', label: 'appliance packages', bytes: 700, done: true },
      { type: 'progress', task: 'tree-in', label: 'hooks', bytes: 10, total: 20, done: false },
      { type: 'progress', task: 'tree-out', label: 'tree tar', bytes: 30, done: true },
    ]);
    expect(downloadEvents(log, 'packages', 0)).toBeUndefined();
  });
});

describe('the final error event (cli.ts)', () => {
  it('names element, phase, script and exit code of a failing element script', () => {
    const e = errorEvent(new PhaseScriptError({ element: 'broken', phase: 'root', script: '10-fail', exitCode: 3, tail: ['about to fail'] }), {});
    expectShape(e);
    expect(e).toEqual({
      type: 'error',
      exitCode: 1,
      kind: 'failed',
      error: 'PhaseScriptError',
      message: 'element broken: root.d/10-fail exited with status 3\nlast 1 lines of its output:\n  about to fail',
      element: 'broken',
      phase: 'root',
      script: '10-fail',
      scriptExitCode: 3,
      tail: ['about to fail'],
    });
  });

  it('a killed script: no exit status, the signal', () => {
    expect(errorEvent(new PhaseScriptError({ element: 'e', phase: 'install', script: 's', exitCode: null, signal: 'SIGKILL', tail: [] }), {})).toMatchObject({ scriptExitCode: null, signal: 'SIGKILL' });
  });

  it('usage, failure with a hint, a bug (stack only with KILN_DEBUG), cleanup errors joined', () => {
    expect(errorEvent(new UsageError('bad', { hint: 'do this' }), {})).toEqual({ type: 'error', exitCode: 2, kind: 'usage', error: 'UsageError', message: 'bad', hint: 'do this' });
    const bug = errorEvent(new TypeError('x is undefined'), {});
    expect(bug).toEqual({ type: 'error', exitCode: 70, kind: 'internal', error: 'TypeError', message: 'TypeError: x is undefined' });
    expect(errorEvent(new TypeError('x'), { KILN_DEBUG: '1' }).stack).toMatch(/TypeError: x\n\s+at /);
    const joined = errorEvent(withCleanupErrors(new KilnError('build failed'), [new KilnError('unmount failed', { hint: 'reboot' })]), {});
    expectShape(joined);
    expect(joined).toMatchObject({ exitCode: 1, message: 'build failed', also: [{ kind: 'failed', error: 'KilnError', message: 'unmount failed', hint: 'reboot' }] });
    expect(errorEvent(withCleanupErrors(new KilnError('a'), [new Error('b')]), {}).exitCode).toBe(70);
  });
});

describe('kiln build --machine-readable, end to end in-process', () => {
  afterEach(() => vi.unstubAllEnvs());
  async function run(...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; raw: string }> {
    let raw = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((raw += c.toString()), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main(['node', 'kiln', ...args]);
      return { code, raw, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
    } finally {
      vi.restoreAllMocks();
    }
  }

  it('a usage error is one JSON error event, and nothing else on stderr', async () => {
    const r = await run('build', '--machine-readable', 'vm');
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expectShape(r.lines[0]!);
    expect(r.lines[0]).toMatchObject({ v: 1, type: 'error', exitCode: 2, kind: 'usage', error: 'UsageError' });
  });

  it('so is an option commander rejects', async () => {
    const r = await run('build', '--machine-readable', '--frobnicate', '-o', 'x', 'vm');
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ v: 1, type: 'error', exitCode: 2, kind: 'usage', message: expect.stringMatching(/unknown option '--frobnicate'/) });
  });

  it('a build that fails early ends with a summary and an error event whose exit code is the process status', async () => {
    vi.stubEnv('KILN_CACHE_DIR', join(dir, 'cache'));
    const r = await run('build', '--machine-readable', '-o', join(dir, 'x'), '-t', 'qcow2', '--logfile', join(dir, 'log'), 'vm');
    expect(r.code).not.toBe(0);
    const last = r.lines.at(-1)!;
    expect(last).toMatchObject({ type: 'error', exitCode: r.code });
    r.lines.forEach(expectShape);
    expect(r.lines.map((l) => l.type)).toEqual(['step', 'step', 'summary', 'error']);
    // the log file gets the same failure, as plain text
    expect(readFileSync(join(dir, 'log'), 'utf8')).toContain('kiln: error: ');
  });
});

describe('docs/events.md', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/events.md'), 'utf8');
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

  it('shows an example of every kind', () => {
    expect([...new Set(examples.map((e) => e.type))].sort()).toEqual(Object.keys(SHAPES).sort());
  });

  it('whose examples are events of this schema', () => {
    for (const e of examples) {
      expect(e.v).toBe(EVENT_SCHEMA_VERSION);
      expect(typeof e.time).toBe('string');
      expectShape(e);
    }
  });

  it('documents the current version', () => expect(doc).toContain(`version **${EVENT_SCHEMA_VERSION}**`));
});
