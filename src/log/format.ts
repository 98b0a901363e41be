// Numbers as people read them: durations, byte counts, and lines that fit a terminal.

/** 12.3s, the plain lines' format (one decimal, like the timing summary always printed). */
export function seconds(ms: number | undefined): string {
  return `${((ms ?? 0) / 1000).toFixed(1)}s`;
}

/** A live elapsed time: 7s, 1m03s, 1h02m. Whole seconds, so it moves once a second. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Decimal units, as apt prints them: 512 B, 34.2 kB, 120.0 MB, 1.23 GB. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u < 1 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

const ESC = String.fromCharCode(27);
const terminalCodes = new RegExp(`${ESC}(\\[[0-9;?]*[ -/]*[@-~]|[@-Z\\\\-_]|c)`, 'g');

/** Escape sequences and carriage returns out: what is left is text a line can show (kiln's one stripper). */
export function stripTerminalCodes(text: string): string {
  return text.replace(terminalCodes, '').replace(/\r/g, '');
}

/**
 * A line of program output as a terminal would leave it: a progress meter's \r rewrites
 * keep only their last state, escape sequences and other control characters go.
 */
export function screenLine(line: string): string {
  const last = line.replace(/\r+$/, '').split('\r').pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return last.replace(terminalCodes, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/\t/g, '  ');
}

/** Cut `text` to `width` columns (one per UTF-16 unit: kiln's own text is narrow), with … when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
