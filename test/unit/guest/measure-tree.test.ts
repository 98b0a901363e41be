import { execa } from 'execa';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { measureTree } from '../../../src/guest/chroot.js';

const made: string[] = [];
afterEach(() => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(churn: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'kiln-measure-'));
  made.push(root);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/small'), 'x');
  writeFileSync(join(root, 'etc/big'), Buffer.alloc(10_000, 1));
  linkSync(join(root, 'etc/big'), join(root, 'etc/big-link'));
  mkdirSync(join(root, 'archives'));
  // what a bootstrap leaves: a directory that held many files, emptied again
  if (churn) {
    for (let i = 0; i < 2000; i++) writeFileSync(join(root, 'archives', `package-with-a-long-name-${i}.deb`), '');
    rmSync(join(root, 'archives'), { recursive: true });
    mkdirSync(join(root, 'archives'));
  }
  return root;
}

const measure = async (root: string) => Number((await execa('bash', ['-c', measureTree(root)])).stdout.trim());

describe('measuring the finished tree', () => {
  it('counts files in 4 KiB blocks (a hard link once) and a block per directory', async () => {
    // dirs: root, etc, archives = 12; small 4; big 12 (its link not again)
    expect(await measure(tree(false))).toBe(28);
  });

  it('gives the same figure for the same content whatever the directories went through', async () => {
    const fresh = tree(false);
    const churned = tree(true);
    const du = async (d: string) => Number((await execa('du', ['-s', '-x', '-k', d])).stdout.split('\t')[0]);
    expect(await du(churned)).toBeGreaterThanOrEqual(await du(fresh)); // du: at least as much, on most file systems more
    expect(await measure(churned)).toBe(await measure(fresh));
  });

  it('removes lost+found first, as DIB does', async () => {
    const root = tree(false);
    mkdirSync(join(root, 'lost+found'));
    expect(await measure(root)).toBe(28);
  });
});
