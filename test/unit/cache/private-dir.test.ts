// kiln's cache dirs are private; a directory kiln did not make, and that is not deep in the
// user's own tree, keeps its mode whatever a KILN_CACHE_DIR or --drive points at.
import { mkdirSync, mkdtempSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateDir } from '../../../src/cache/layout.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-private-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('privateDir', () => {
  it('makes missing dirs 0700', async () => {
    const p = join(dir, 'a/b/c');
    await privateDir(p);
    expect(mode(p)).toBe(0o700);
  });

  it("tightens an existing dir of the user's deep in the tree (an older kiln's 0755 cache)", async () => {
    const p = join(dir, 'old/cache');
    mkdirSync(p, { recursive: true, mode: 0o755 });
    chmodSync(p, 0o755);
    await privateDir(p);
    expect(mode(p)).toBe(0o700);
  });

  it('never touches /tmp, /dev or another shallow system dir', async () => {
    const before = [mode('/tmp'), mode('/dev')];
    await privateDir('/tmp');
    await privateDir('/dev');
    expect([mode('/tmp'), mode('/dev')]).toEqual(before);
  });
});
