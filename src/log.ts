// Typed progress events, rendered for a human (stderr) or as JSON lines (--machine-readable).
// Modules emit events; only the sink decides how they look.

export type Event =
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string }
  | { type: 'debug'; message: string }
  | { type: 'step'; step: string; state: 'start' | 'end'; durationMs?: number }
  | { type: 'script'; element: string; phase: string; script: string; state: 'start' | 'end'; exitCode?: number; durationMs?: number }
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string };

export interface Logger {
  emit(event: Event): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface LoggerOptions {
  machineReadable?: boolean;
  debug?: boolean;
  /** Where human text goes; default stderr so stdout stays the command's own output. */
  write?: (text: string) => void;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((t: string) => void process.stderr.write(t));
  const emit = (event: Event): void => {
    if (event.type === 'debug' && !opts.debug) return;
    if (opts.machineReadable) {
      write(JSON.stringify({ ...event, time: new Date().toISOString() }) + '\n');
      return;
    }
    write(renderHuman(event));
  };
  return {
    emit,
    info: (message) => emit({ type: 'info', message }),
    warn: (message) => emit({ type: 'warn', message }),
    debug: (message) => emit({ type: 'debug', message }),
  };
}

export function renderHuman(e: Event): string {
  switch (e.type) {
    case 'info':
      return `kiln: ${e.message}\n`;
    case 'warn':
      return `kiln: warning: ${e.message}\n`;
    case 'debug':
      return `kiln: debug: ${e.message}\n`;
    case 'step':
      return e.state === 'start' ? `kiln: ${e.step}...\n` : `kiln: ${e.step} done in ${seconds(e.durationMs)}\n`;
    case 'script':
      return e.state === 'start'
        ? `kiln: [${e.phase}] ${e.element}/${e.script}\n`
        : `kiln: [${e.phase}] ${e.element}/${e.script} exit ${e.exitCode} in ${seconds(e.durationMs)}\n`;
    case 'output':
      return `${e.line}\n`;
  }
}

function seconds(ms: number | undefined): string {
  return `${((ms ?? 0) / 1000).toFixed(1)}s`;
}

