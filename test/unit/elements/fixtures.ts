// Paths of the fixture element trees (test/fixtures/elements/*), and a temp-dir helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/elements');
export const fixture = (...parts: string[]): string => join(fixturesDir, ...parts);

/** A fresh private temp dir, and its removal. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'kiln-elements-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export { thrown } from '../../support/thrown.js';
