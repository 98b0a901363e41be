// A script whose #! names a program that is not there: the error names the program and where
// it was looked for. The shell's own message comes from running such a script for real.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingInterpreter } from '../../../src/build/run-phase.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-interp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `text` as an executable script the way a phase does (bash runs it), with its exit status and output lines. */
function runScript(name: string, text: string): { source: string; exitCode: number | null; lines: string[] } {
  const source = join(dir, name);
  writeFileSync(source, text);
  chmodSync(source, 0o755);
  const r = spawnSync('bash', ['-c', `"$1"`, 'kiln', source], { encoding: 'utf8' });
  return { source, exitCode: r.status, lines: `${r.stdout}${r.stderr}`.split('\n').filter(Boolean) };
}

describe('missingInterpreter', () => {
  it('names the #! program a script asks for, and the place it is missing from', () => {
    const r = runScript('50-needs-python9', '#!/usr/bin/python9\nprint(1)\n');
    expect(r.exitCode).toBe(127);
    expect(missingInterpreter(r, r.exitCode, r.lines, { where: 'guest', chroot: true })).toBe(
      'its #! line asks for /usr/bin/python9, which is not there in the image being built (install it in an earlier phase, or from package-installs)',
    );
    expect(missingInterpreter(r, r.exitCode, r.lines, { where: 'host', chroot: false })).toMatch(/\/usr\/bin\/python9, which is not there on this host$/);
  });

  it('says nothing when the script ran and failed by itself', () => {
    const r = runScript('50-fails', '#!/bin/bash\necho "No such file or directory: /etc/foo" >&2\nexit 127\n');
    expect(r.exitCode).toBe(127);
    // the interpreter is there: a hint would point the wrong way
    expect(missingInterpreter(r, r.exitCode, r.lines, { where: 'guest', chroot: true })).toBeUndefined();
  });
});
