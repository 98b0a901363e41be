// kiln's orders against the real thing: GNU sort -n in the C locale, as dib-run-parts runs it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { environmentOrder, runPartsOrder } from '../../../src/elements/index.js';

function gnuSort(lines: string[], args: string[]): string[] {
  const r = spawnSync('sort', args, { input: lines.join('\n') + '\n', encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const edge = [
  '10-foo', '9-foo', '010-foo', '10-Foo', '10_foo', '100-foo', 'foo', 'Foo', '-5-neg', '-10-neg', '-0-zero',
  '0-zero', '00-zero', '-', '--x', '-foo', '1', '01', '001', '99999999999999999999-huge', '99999999999999999998-huge',
  '5', '5a', '5-a', '5_a', 'a5', '_x', '-_x', '1-a', '1-A',
];

// Names from dib-run-parts' alphabet with the leading digits and dashes that make sort -n interesting.
function randomNames(n: number, seed: number): string[] {
  let s = seed;
  const rnd = (k: number) => ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff), s % k);
  const alphabet = '0123456789abcXYZ_-';
  const out = new Set<string>();
  while (out.size < n) {
    const prefix = ['', '-', '0', '00', String(rnd(200)), `-${rnd(50)}`][rnd(6)]!;
    let rest = '';
    for (let i = rnd(5); i > 0; i--) rest += alphabet[rnd(alphabet.length)];
    if (prefix + rest) out.add(prefix + rest);
  }
  return [...out];
}

describe('runPartsOrder', () => {
  it('sorts like LANG=C sort -n on edge cases', () => {
    expect([...edge].sort(runPartsOrder)).toEqual(gnuSort(edge, ['-n']));
  });

  it('sorts like LANG=C sort -n on 2000 random script names', () => {
    const names = randomNames(2000, 42);
    expect([...names].sort(runPartsOrder)).toEqual(gnuSort(names, ['-n']));
  });

  it('runs 9 before 10 and numberless names first', () => {
    expect(['10-b', '9-a', 'zzz', '100-c'].sort(runPartsOrder)).toEqual(['zzz', '9-a', '10-b', '100-c']);
  });
});

describe('environmentOrder', () => {
  it('is the order of full paths through sort -n, i.e. byte order of the names', () => {
    const names = ['10-b.bash', '9-a', '100-c', '10-a', '01-x', 'Z', 'a', '10.5-dot', '-1-neg'];
    const viaSort = gnuSort(names.map((n) => `/tmp/hooks/environment.d/${n}`), ['-n']).map((p) => p.slice(p.lastIndexOf('/') + 1));
    expect([...names].sort(environmentOrder)).toEqual(viaSort);
  });
});
