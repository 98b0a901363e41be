// The live area under the lines a build leaves: a pure function of the state, the clock and
// the terminal's width, so what a person sees is tested as data. For example:
//
//   ▸ [8/33] root.d  1m02s                                          total 2m15s
//     debootstrap/08-debootstrap  58s
//     │ I: Retrieving Packages
//     │ I: Validating Packages
//     ↓ packages  34.2 MB / 120 MB  ██████░░░░░░░░░░░░░░  28%  5.1 MB/s
import { bytes, elapsed, fit } from './format.js';
import type { LiveState } from './live-state.js';
import { painter, type Style } from './style.js';

const BAR = 20;

type Piece = [text: string, style?: Style];

export function renderLive(s: LiveState, now: number, o: { width: number; color: boolean }): string {
  if (s.paused || s.finished) return '';
  const paint = painter(o.color);
  // each line is pieces of text, cut to the width before any colour goes in
  const line = (pieces: Piece[]): string => {
    let room = Math.max(1, o.width - 1);
    let out = '';
    for (const [text, style] of pieces) {
      if (room <= 0) break;
      const t = fit(text, room);
      room -= t.length;
      out += style ? paint(style, t) : t;
    }
    return out;
  };
  const total = `total ${elapsed(now - s.startedAt)}`;
  // the innermost step with its time; the outer ones it runs in before it, and the place of the outermost
  const step = s.steps.at(-1);
  const placed = s.steps.find((x) => x.n !== undefined);
  const head: Piece[] = step
    ? [
        ['▸ ', 'cyan'],
        [placed ? `[${placed.n}/${placed.of}] ` : '', 'dim'],
        [s.steps.slice(0, -1).map((x) => `${x.name} › `).join('')],
        [step.name, 'bold'],
        [`  ${elapsed(now - step.startedAt)}`],
      ]
    : [['▸ ', 'cyan'], ['working', 'dim']];
  const used = head.reduce((n, [t]) => n + t.length, 0);
  const gap = o.width - 1 - used - total.length;
  const lines = [line(gap >= 2 ? [...head, [' '.repeat(gap)], [total, 'dim']] : [...head, ['  '], [total, 'dim']])];
  if (s.script) {
    lines.push(line([['  '], [`${s.script.element}/${s.script.script}`], [`  ${elapsed(now - s.script.startedAt)}`]]));
    for (const t of s.tail) lines.push(line([['  │ ', 'dim'], [t, 'dim']]));
  }
  if (s.progress) lines.push(line(progressPieces(s.progress, now)));
  return lines.join('\n');
}

function progressPieces(p: NonNullable<LiveState['progress']>, now: number): Piece[] {
  const arrow = p.task === 'tree-in' ? '→' : p.task === 'tree-out' ? '←' : '↓';
  const secs = (now - p.startedAt) / 1000;
  const rate = secs >= 1 ? `  ${bytes(Math.round(p.bytes / secs))}/s` : '';
  if (!p.total) return [[`  ${arrow} `, 'cyan'], [`${p.label}  `], [bytes(p.bytes)], [rate, 'dim']];
  const ratio = Math.min(1, p.bytes / p.total);
  const filled = Math.round(ratio * BAR);
  return [
    [`  ${arrow} `, 'cyan'],
    [`${p.label}  `],
    [`${bytes(p.bytes)} / ${bytes(p.total)}  `],
    ['█'.repeat(filled), 'cyan'],
    ['░'.repeat(BAR - filled), 'dim'],
    [`  ${Math.floor(ratio * 100)}%`],
    [rate, 'dim'],
  ];
}
