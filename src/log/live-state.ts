// The live display's state, changed by one event at a time (a reducer, tested as data): what
// is running now, and which lines an event leaves for good above the live area.
import type { Event, ScriptRef } from '../log.js';
import { seconds, screenLine } from './format.js';
import { renderError, renderHuman } from './plain.js';
import { painter } from './style.js';
import { renderSummary } from './summary.js';

/** How many lines of the running script's output the live area shows. */
export const TAIL_LINES = 3;

export interface LiveState {
  startedAt: number;
  /** The steps running now, outermost first (a step can run inside another). */
  steps: { name: string; n?: number; of?: number; startedAt: number }[];
  script?: ScriptRef & { startedAt: number };
  /** The running script's last lines of output, as a terminal would show them. */
  tail: string[];
  progress?: { task: string; label: string; bytes: number; total?: number; startedAt: number };
  /** An interactive shell has the terminal (--break): draw nothing. */
  paused: boolean;
  /** The summary or the final event has been shown: the live area is gone for good. */
  finished: boolean;
}

export interface LiveOptions {
  color: boolean;
  /** --debug: every line of element output stays on the screen too. */
  debug: boolean;
}

export function initialState(now: number): LiveState {
  return { startedAt: now, steps: [], tail: [], paused: false, finished: false };
}

/** The next state, and the text the event leaves above the live area (may be empty). */
export function reduce(s: LiveState, e: Event, now: number, o: LiveOptions): { state: LiveState; persist: string } {
  const paint = painter(o.color);
  const keep = (state: LiveState, persist = '') => ({ state, persist });
  switch (e.type) {
    case 'info':
    case 'warn':
      return keep(s, renderHuman(e, o));
    case 'debug':
      return keep(s, o.debug ? renderHuman(e, o) : '');
    case 'step': {
      if (e.state === 'start') return keep({ ...s, steps: [...s.steps, { name: e.step, n: e.n, of: e.of, startedAt: now }] });
      const place = e.n !== undefined && e.of !== undefined ? `[${e.n}/${e.of}] ` : '';
      const line =
        e.state === 'end'
          ? `${paint('green', '✓')} ${place}${e.step} ${paint('dim', seconds(e.durationMs))}\n`
          : `${paint('red', '✗')} ${place}${e.step} ${paint('red', `failed after ${seconds(e.durationMs)}`)}\n`;
      const at = s.steps.map((x) => x.name).lastIndexOf(e.step);
      return keep({ ...s, steps: at >= 0 ? s.steps.slice(0, at) : s.steps }, line);
    }
    case 'script':
      if (e.state === 'start') return keep({ ...s, script: { element: e.element, phase: e.phase, script: e.script, startedAt: now }, tail: [] });
      return keep(
        { ...s, script: undefined, tail: [] },
        e.exitCode === 0 ? '' : `${paint('red', '✗')} ${e.phase}.d/${e.element}/${e.script} ${paint('red', `exit ${e.exitCode}`)} after ${seconds(e.durationMs)}\n`,
      );
    case 'output': {
      const line = screenLine(e.line);
      const tail = line.trim() ? [...s.tail, line].slice(-TAIL_LINES) : s.tail;
      return keep({ ...s, tail }, o.debug ? `${e.line}\n` : '');
    }
    case 'progress':
      if (e.done) return keep({ ...s, progress: undefined });
      return keep({ ...s, progress: { task: e.task, label: e.label, bytes: e.bytes, total: e.total, startedAt: s.progress?.label === e.label ? s.progress.startedAt : now } });
    case 'breakpoint':
      return keep({ ...s, paused: e.state === 'open' });
    case 'summary':
      return keep({ ...s, finished: true, steps: [], script: undefined, progress: undefined }, renderSummary(e, o));
    case 'error':
      return keep({ ...s, finished: true }, renderError(e, o));
    case 'result':
      return keep({ ...s, finished: true });
  }
}
