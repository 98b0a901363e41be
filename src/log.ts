// Typed progress events (docs/events.md is their schema). Modules emit events through a
// Logger; a sink decides how they look: a live display on a terminal (log/tty-sink.ts),
// plain lines (log/plain.ts) or JSON lines (log/json.ts, --machine-readable).
import { jsonLine } from './log/json.js';
import { plainSink } from './log/sinks.js';

export { EVENT_SCHEMA_VERSION, jsonEvent, jsonLine } from './log/json.js';

export interface ScriptRef {
  element: string;
  /** The phase without `.d`: root, install, extra-data... */
  phase: string;
  script: string;
}

export interface StepTimingRecord {
  step: string;
  durationMs: number;
  /** The step this one ran inside. */
  within?: string;
}

export interface ScriptTimingRecord extends ScriptRef {
  durationMs: number;
  exitCode: number;
}

export type SummaryEvent = {
  type: 'summary';
  ok: boolean;
  durationMs: number;
  steps: StepTimingRecord[];
  scripts: ScriptTimingRecord[];
  outputs: string[];
};

/** The last event of a command that a sink was handed to (cli.ts emits it). */
export type ResultEvent = { type: 'result'; exitCode: number };

export type ErrorEvent = {
  type: 'error';
  exitCode: number;
  /** usage (bad command line), failed (the build or command failed), internal (a bug in kiln), interrupted (a signal). */
  kind: 'usage' | 'failed' | 'internal' | 'interrupted';
  /** The error's class: PhaseScriptError, UsageError, ApplianceError... */
  error: string;
  message: string;
  hint?: string;
  /** Set for a failing element script (PhaseScriptError). */
  element?: string;
  phase?: string;
  script?: string;
  scriptExitCode?: number | null;
  signal?: string;
  tail?: string[];
  /** Errors of the cleanup that followed the failure. */
  also?: { kind: ErrorEvent['kind']; error: string; message: string; hint?: string }[];
  /** With KILN_DEBUG: the stack, or the cause's. */
  stack?: string;
};

export type Event =
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string }
  | { type: 'debug'; message: string }
  /** A build step: n of `of` is its place in the build's step list (steps a build does not need are skipped). */
  | { type: 'step'; step: string; state: 'start' | 'end' | 'fail'; n?: number; of?: number; durationMs?: number }
  | ({ type: 'script'; state: 'start' | 'end'; exitCode?: number; durationMs?: number } & ScriptRef)
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string }
  /** Bytes moved by a download or a tree transfer; `done` on the last one. */
  | { type: 'progress'; task: 'download' | 'tree-in' | 'tree-out'; label: string; bytes: number; total?: number; done: boolean }
  /** An interactive shell (--break) has the terminal until `closed`. */
  | { type: 'breakpoint'; point: string; state: 'open' | 'closed' }
  | SummaryEvent
  | ResultEvent
  | ErrorEvent;

export type EventType = Event['type'];

/** Where events go. `close` ends a live display (it is safe to call twice). */
export interface Sink {
  emit(event: Event): void;
  close(): void;
  /** JSON lines: the command's final event must not be printed as text besides. */
  readonly machineReadable?: boolean;
}

export interface Logger {
  emit(event: Event): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export function loggerOf(sink: Pick<Sink, 'emit'>): Logger {
  const emit = (event: Event) => sink.emit(event);
  return {
    emit,
    info: (message) => emit({ type: 'info', message }),
    warn: (message) => emit({ type: 'warn', message }),
    debug: (message) => emit({ type: 'debug', message }),
  };
}

export interface LoggerOptions {
  machineReadable?: boolean;
  debug?: boolean;
  /** Where the text goes; default stderr so stdout stays the command's own output. */
  write?: (text: string) => void;
}

/** Plain lines (or JSON lines) on stderr: what commands without a live display use. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((t: string) => void process.stderr.write(t));
  if (opts.machineReadable) return loggerOf({ emit: (e) => void ((e.type !== 'debug' || opts.debug) && write(jsonLine(e))) });
  return loggerOf(plainSink(write, { debug: !!opts.debug, output: true }));
}

export { renderError, renderHuman } from './log/plain.js';
export { consoleSink, fileSink, jsonSink, plainSink, teeSink } from './log/sinks.js';
