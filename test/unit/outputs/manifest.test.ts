import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elementDigest, installedPackages, renderManifest } from '../../../src/outputs/manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('elementDigest', () => {
  it('depends on content and the executable bit, not on where the element is or its mtimes', () => {
    const a = join(dir, 'a', 'my-element');
    mkdirSync(join(a, 'install.d'), { recursive: true });
    writeFileSync(join(a, 'install.d', '50-x'), '#!/bin/bash\necho x\n', { mode: 0o755 });
    writeFileSync(join(a, 'element-deps'), 'base\n');
    const b = join(dir, 'elsewhere', 'my-element');
    cpSync(a, b, { recursive: true });
    utimesSync(join(b, 'element-deps'), 1, 1);
    expect(elementDigest(b)).toBe(elementDigest(a));
    chmodSync(join(b, 'install.d', '50-x'), 0o644);
    expect(elementDigest(b)).not.toBe(elementDigest(a));
  });
});

describe('installedPackages', () => {
  it('lists installed packages from a dpkg status file, sorted, skipping removed ones', () => {
    const status = [
      'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1',
      'Package: old\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1',
      'Package: half\nStatus: install reinstreq half-installed\nArchitecture: amd64\nVersion: 2',
      'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b7\nDescription: GNU Bourne Again SHell\n more text',
    ].join('\n\n');
    expect(installedPackages(status)).toEqual([
      { name: 'bash', version: '5.2.15-2+b7', arch: 'amd64' },
      { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64' },
    ]);
  });
});

describe('renderManifest', () => {
  it('is stable JSON', () => {
    const m = { kiln: '0.1.0', appliance: { key: 'k', kernel: '6.1', suite: 'bookworm' }, elements: [], sourceDateEpoch: 1, seed: 's', formats: ['raw'], packages: [] };
    expect(renderManifest(m)).toBe(renderManifest(JSON.parse(renderManifest(m)) as typeof m));
  });
});
