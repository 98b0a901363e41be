// Imports go one way (DESIGN.md "Layout"): each room of src/ has a rank, and a module may import
// only from its own room or a lower one. A room that runs host programs or renders guest text
// knows nothing of VMs, builds or commands. Also: no file in src/ over 300 lines, and each
// third-party package behind one room (execa in host/, ssh2 in channel/, yaml in yaml.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../../src');

const RANK: Record<string, number> = {
  errors: 0, log: 0, paths: 0, quote: 0, signals: 0, yaml: 0, ids: 0, arch: 0,
  host: 1, blockdev: 1, elements: 1, channel: 1,
  guest: 2, cache: 2,
  env: 3, apt: 3,
  distro: 4, appliance: 4, outputs: 4,
  vm: 5,
  options: 6,
  build: 7,
  commands: 8,
  cli: 9,
  bin: 10,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const room = (file: string) => relative(src, file).split('/')[0]!.replace(/\.ts$/, '');

describe('the layout of src/', () => {
  const all = files(src);

  it('gives every room a rank', () => {
    expect([...new Set(all.map(room))].filter((r) => RANK[r] === undefined)).toEqual([]);
  });

  it('imports only from the same room or a lower one', () => {
    const up: string[] = [];
    for (const f of all) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(f), m[1]!);
        const [a, b] = [room(f), room(target)];
        if (a !== b && RANK[b]! >= RANK[a]!) up.push(`${relative(src, f)} imports ${relative(src, target)} (${a} ${RANK[a]} -> ${b} ${RANK[b]})`);
      }
    }
    expect(up).toEqual([]);
  });

  it('has no file over 300 lines', () => {
    const long = all.map((f) => [relative(src, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });

  it('imports each third-party package in one room', () => {
    const users = new Map<string, Set<string>>();
    for (const f of all) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from '([^.'][^']*)'/g)) {
        const pkg = m[1]!.startsWith('node:') ? undefined : m[1]!.split('/')[0]!;
        if (pkg && pkg !== 'commander') users.set(pkg, (users.get(pkg) ?? new Set()).add(room(f)));
      }
    }
    // commander is the command-line layer itself: cli.ts and one module per command
    expect(Object.fromEntries([...users].filter(([, s]) => s.size > 1).map(([p, s]) => [p, [...s]]))).toEqual({});
  });
});
