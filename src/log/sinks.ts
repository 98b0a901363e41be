// The sinks a command can hand its events to, and the choice between them: JSON lines
// (--machine-readable), a live display (a terminal), plain lines (anything else), and a
// --logfile that always gets plain lines with every line of element output.
import { closeSync, writeSync } from 'node:fs';
import type { Event, Sink } from '../log.js';
import { jsonLine } from './json.js';
import { LiveSink } from './live-sink.js';
import { renderHuman } from './plain.js';
import { colorWanted, displayMode, type DisplayMode } from './terminal.js';

export interface PlainOptions {
  /** debug events too */
  debug: boolean;
  /** every line of element output too */
  output: boolean;
  color?: boolean;
}

export function plainSink(write: (text: string) => void, o: PlainOptions): Sink {
  return {
    emit: (e) => {
      if (e.type === 'debug' && !o.debug) return;
      if (e.type === 'output' && !o.output) return;
      const text = renderHuman(e, { color: o.color });
      if (text) write(text);
    },
    close: () => {},
  };
}

export function jsonSink(write: (text: string) => void, o: { debug: boolean }): Sink {
  return {
    machineReadable: true,
    emit: (e) => {
      if (e.type !== 'debug' || o.debug) write(jsonLine(e));
    },
    close: () => {},
  };
}

/** Plain lines into an open file, written synchronously (a crash loses nothing already emitted); closed with the sink. */
export function fileSink(fd: number): Sink {
  let open = true;
  const plain = plainSink((t) => void (open && writeSync(fd, t)), { debug: true, output: true });
  return {
    emit: plain.emit,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** Every event to each sink, in order. */
export function teeSink(...sinks: Sink[]): Sink {
  return {
    machineReadable: sinks.some((s) => s.machineReadable),
    emit: (e: Event) => sinks.forEach((s) => s.emit(e)),
    close: () => sinks.forEach((s) => s.close()),
  };
}

export interface ConsoleOptions {
  machineReadable: boolean;
  debug: boolean;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** The sink for stderr, chosen from the terminal and the environment (log/terminal.ts). */
export function consoleSink(o: ConsoleOptions): { sink: Sink; mode: DisplayMode } {
  const stream = o.stream ?? process.stderr;
  const env = o.env ?? process.env;
  const isTTY = stream.isTTY === true;
  const mode = displayMode({ machineReadable: o.machineReadable, isTTY, env });
  const write = (t: string) => void stream.write(t);
  const color = colorWanted({ isTTY, env });
  if (mode === 'json') return { sink: jsonSink(write, o), mode };
  if (mode === 'live') return { sink: new LiveSink(stream, { color, debug: o.debug }), mode };
  // element output reaches a plain stderr only when debugging; the log file always has it
  return { sink: plainSink(write, { debug: o.debug, output: o.debug, color }), mode };
}
