// The table at the end of a build: how long each step took, and the slowest element scripts
// in the way DIB's dib-run-parts profiles a phase (script name, seconds to the millisecond).
import type { SummaryEvent } from '../log.js';
import { seconds } from './format.js';
import { painter } from './style.js';

/** Steps shorter than this share one line: the table stays short enough to read. */
export const SHORT_STEP_MS = 1000;
/** How many of the slowest scripts the table lists. */
export const SLOWEST_SCRIPTS = 5;

export function renderSummary(s: SummaryEvent, o: { color?: boolean } = {}): string {
  // a build that stopped within its first second has nothing to tabulate: the error says it all
  if (!s.scripts.length && !s.steps.some((t) => t.durationMs >= SHORT_STEP_MS)) return '';
  const paint = painter(!!o.color);
  const head = s.ok ? `kiln: build finished in ${seconds(s.durationMs)}` : `kiln: build failed after ${seconds(s.durationMs)}`;
  const lines = [paint('bold', head)];
  const top = s.steps.filter((t) => t.within === undefined);
  const short = top.filter((t) => t.durationMs < SHORT_STEP_MS);
  const width = Math.max(24, ...s.steps.map((t) => t.step.length + (t.within !== undefined ? 2 : 0)));
  const row = (name: string, ms: number) => `  ${name.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(9)}`;
  if (s.steps.length) {
    lines.push(paint('dim', `  ${'step'.padEnd(width)}  ${'seconds'.padStart(9)}`));
    // a step that ran inside another is indented under it
    for (const t of s.steps.filter((x) => x.durationMs >= SHORT_STEP_MS)) lines.push(row(t.within !== undefined ? `  ${t.step}` : t.step, t.durationMs));
    if (short.length) lines.push(paint('dim', row(`${short.length} shorter step${short.length === 1 ? '' : 's'}`, short.reduce((n, t) => n + t.durationMs, 0))));
  }
  const slow = [...s.scripts].sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST_SCRIPTS);
  if (slow.length) {
    const names = slow.map((t) => `${t.phase}.d/${t.element}/${t.script}`);
    const w = Math.max(width, ...names.map((n) => n.length));
    lines.push(paint('dim', `  ${'slowest element scripts'.padEnd(w)}  ${'seconds'.padStart(9)}`));
    slow.forEach((t, i) => lines.push(`  ${names[i]!.padEnd(w)}  ${(t.durationMs / 1000).toFixed(3).padStart(9)}`));
  }
  return lines.join('\n') + '\n';
}
