// The guide's commands are what test/e2e/progress.test.ts runs as written: here, without a VM,
// that they are bash, that exactly one is the build, and that it builds the element the guide
// writes and reads the file its script makes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(join(import.meta.dirname, '../../docs/first-element.md'), 'utf8');
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/first-element.md', () => {
  it('has shell blocks bash reads', () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks) expect(spawnSync('bash', ['-n'], { input: b, encoding: 'utf8' }).stderr, b).toBe('');
  });

  it('builds once, with the element it writes, and reads back the file its install.d script makes', () => {
    const builds = blocks.filter((b) => /^kiln build /m.test(b));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatch(/-p elements .*\bhello\b/);
    expect(blocks.join('\n')).toContain('cat > elements/hello/install.d/50-hello');
    expect(blocks.join('\n')).toMatch(/> \/etc\/hello\.conf/);
    expect(blocks.at(-1)).toContain('./etc/hello.conf');
  });
});
