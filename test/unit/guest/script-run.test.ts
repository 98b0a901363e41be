import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderScriptRun, exportLines, sourceEnvironment } from '../../../src/guest/script-run.js';
import { phaseTable, parseBreak } from '../../../src/elements/phases.js';
import { mountChroot, unmountChroot } from '../../../src/guest/chroot.js';
import { prepareDrives, attachTarget } from '../../../src/guest/drives.js';

describe('renderScriptRun', () => {
  it('runs a root.d script outside the chroot with env.d sourced first and the env exported', () => {
    const s = renderScriptRun({ phase: phaseTable.root, script: 'root.d/08-debootstrap', environment: ['environment.d/10-a', 'environment.d/20-b'], env: { TARGET_ROOT: '/kiln/build/mnt', X: "it's" } });
    expect(s).toContain("export X='it'\\''s'\n");
    expect(s).toContain('export TARGET_ROOT=/kiln/build/mnt\n');
    expect(s.indexOf('source /kiln/build/hooks/environment.d/10-a')).toBeLessThan(s.indexOf('source /kiln/build/hooks/environment.d/20-b'));
    expect(s).toMatch(/exec \/kiln\/build\/hooks\/root\.d\/08-debootstrap\n$/);
    expect(s).not.toContain('chroot');
  });

  it('runs an install.d script in the chroot, through /tmp/in_target.d, with TMPDIR unset', () => {
    const s = renderScriptRun({ phase: phaseTable.install, script: 'install.d/50-x', environment: ['environment.d/10-a'], env: { A: '1' }, trace: true });
    expect(s).toContain('exec chroot "$TMP_MOUNT_PATH" /usr/bin/env -u TMPDIR PATH=');
    expect(s).toContain('source /tmp/in_target.d/environment.d/10-a');
    expect(s).toContain('set -x');
    expect(s).toContain('exec /tmp/in_target.d/install.d/50-x');
  });

  it('names the environment.d file that failed, which stopped the script before it ran', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-envd-'));
    try {
      mkdirSync(join(dir, 'environment.d'));
      writeFileSync(join(dir, 'environment.d', '10-ok'), 'export A=1\n');
      writeFileSync(join(dir, 'environment.d', '20-bad'), 'false\n');
      writeFileSync(join(dir, 'environment.d', '30-never'), 'echo never\n');
      const text = `set -e\n${sourceEnvironment(['10-ok', '20-bad', '30-never'].map((f) => join(dir, 'environment.d', f)))}echo ran "$A"\n`;
      const r = spawnSync('bash', ['-c', text], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('kiln: sourcing environment.d/20-bad failed (status 1): the script did not run\n');
      // all sourced: the trap is gone, nothing more is said
      const ok = spawnSync('bash', ['-c', `set -e\n${sourceEnvironment([join(dir, 'environment.d', '10-ok')])}echo ran "$A"; exit 3\n`], { encoding: 'utf8' });
      expect([ok.status, ok.stdout, ok.stderr]).toEqual([3, 'ran 1\n', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in the chroot too, an environment.d that fails stops the script (set -e inside, as under dib-run-parts)', () => {
    // run the rendered text for real, with a `chroot` that only drops its root argument
    const inTarget = '/tmp/in_target.d';
    if (existsSync(inTarget)) return; // somebody's real build: leave it alone
    const bin = mkdtempSync(join(tmpdir(), 'kiln-fakechroot-'));
    try {
      writeFileSync(join(bin, 'chroot'), '#!/bin/sh\nshift\nexec "$@"\n', { mode: 0o755 });
      mkdirSync(join(inTarget, 'environment.d'), { recursive: true });
      mkdirSync(join(inTarget, 'install.d'));
      writeFileSync(join(inTarget, 'environment.d', '10-bad'), 'false\nexport B=1\n');
      writeFileSync(join(inTarget, 'install.d', '50-x'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
      const text = renderScriptRun({ phase: phaseTable.install, script: 'install.d/50-x', environment: ['environment.d/10-bad'], env: { TMP_MOUNT_PATH: '/' } });
      const r = spawnSync('bash', ['-c', text], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
      expect([r.status, r.stdout]).toEqual([1, '']);
      expect(r.stderr).toContain('kiln: sourcing environment.d/10-bad failed (status 1)');
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(inTarget, { recursive: true, force: true });
    }
  });

  it('exports variables sorted, one per line', () => {
    expect(exportLines({ B: '2', A: 'a b' })).toBe("export A='a b'\nexport B=2\n");
  });
});

describe('phase table', () => {
  it('has extra-data.d as the only host phase and chroot where DIB chroots', () => {
    const host = Object.values(phaseTable).filter((p) => p.where === 'host').map((p) => p.name);
    expect(host).toEqual(['extra-data']);
    const chroot = Object.values(phaseTable).filter((p) => p.chroot).map((p) => p.name);
    expect(chroot.sort()).toEqual(['finalise', 'install', 'post-install', 'pre-install']);
  });

  it('parses break points', () => {
    expect([...parseBreak('before-install, after-error')]).toEqual(['before-install', 'after-error']);
    expect(parseBreak(undefined).size).toBe(0);
  });
});

describe('guest steps', () => {
  it('mounts proc, sys, dev, devpts and the read-only hooks, idempotently', () => {
    const s = mountChroot('/kiln/build/mnt');
    for (const m of ['mount -t proc', 'mount -o ro -t sysfs', 'mount --bind /dev', 'mount -t devpts', 'remount,ro,bind']) expect(s).toContain(m);
    expect(s).toContain('mountpoint -q /kiln/build/mnt/proc ||');
    expect(s).toContain('resolv.conf.ORIG');
  });

  it('unmounts in reverse and restores resolv.conf', () => {
    const s = unmountChroot('/kiln/build/mnt');
    expect(s.indexOf('tmp/in_target.d')).toBeLessThan(s.indexOf(' proc;'));
    expect(s).toContain('mv /kiln/build/mnt/etc/resolv.conf.ORIG /kiln/build/mnt/etc/resolv.conf');
  });

  it('finds drives by serial and mounts the optional ones only when asked', () => {
    expect(prepareDrives({ scratchSerial: 'kiln-scratch' })).not.toContain('kiln-cache');
    const s = prepareDrives({ scratchSerial: 'kiln-scratch', cacheSerial: 'kiln-cache', repoSerial: 'kiln-repo' });
    expect(s).toContain('dev_by_serial kiln-cache');
    expect(s).toContain('mount -t squashfs -o ro "$(dev_by_serial kiln-repo)" /kiln/repo');
  });

  it('limits the loop device to the image size', () => {
    expect(attachTarget('kiln-target', 1234)).toContain('losetup --show -f -P --sector-size 512 --sizelimit 1234 "$dev"');
    expect(attachTarget('kiln-target', 8192, 4096)).toContain('--sector-size 4096 --sizelimit 8192');
  });
});
