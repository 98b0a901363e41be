// Plain lines, one or a few per event: what a log file, a pipe, CI or a dumb terminal gets.
import type { ErrorEvent, Event } from '../log.js';
import { seconds } from './format.js';
import { painter } from './style.js';
import { renderSummary } from './summary.js';

export function renderHuman(e: Event, o: { color?: boolean } = {}): string {
  const paint = painter(!!o.color);
  switch (e.type) {
    case 'info':
      return `kiln: ${e.message}\n`;
    case 'warn':
      return `kiln: ${paint('yellow', 'warning:')} ${e.message}\n`;
    case 'debug':
      return `kiln: debug: ${e.message}\n`;
    case 'step': {
      const at = e.n !== undefined && e.of !== undefined ? `[${e.n}/${e.of}] ` : '';
      if (e.state === 'start') return `kiln: ${at}${e.step}...\n`;
      if (e.state === 'fail') return `kiln: ${at}${e.step} ${paint('red', 'failed')} after ${seconds(e.durationMs)}\n`;
      return `kiln: ${at}${e.step} done in ${seconds(e.durationMs)}\n`;
    }
    case 'script':
      return e.state === 'start'
        ? `kiln: [${e.phase}] ${e.element}/${e.script}\n`
        : `kiln: [${e.phase}] ${e.element}/${e.script} exit ${e.exitCode} in ${seconds(e.durationMs)}\n`;
    case 'output':
      return `${e.line}\n`;
    case 'summary':
      return renderSummary(e, o);
    case 'error':
      return renderError(e, o);
    case 'progress':
    case 'breakpoint':
    case 'result':
      // a byte count every half second is a live display's business; the other two say nothing new in a log
      return '';
  }
}

/** The failure as kiln has always printed it: the message, what to do, and (KILN_DEBUG) where. */
export function renderError(e: ErrorEvent, o: { color?: boolean } = {}): string {
  const paint = painter(!!o.color);
  const one = (x: { kind: ErrorEvent['kind']; message: string; hint?: string }) =>
    x.kind === 'internal'
      ? `kiln: ${paint('red', 'internal error:')} ${x.message}\n`
      : x.kind === 'interrupted'
        ? `kiln: ${x.message}\n`
        : `kiln: ${paint('red', 'error:')} ${x.message}\n${x.hint ? `kiln: ${x.hint}\n` : ''}`;
  let text = [e, ...(e.also ?? [])].map(one).join('');
  if (e.kind === 'internal') text += e.stack ? `${e.stack}\n` : 'kiln: this is a bug in kiln; run again with KILN_DEBUG=1 for the stack trace, and report it\n';
  else if (e.stack) text += `cause: ${e.stack}\n`;
  return text;
}
