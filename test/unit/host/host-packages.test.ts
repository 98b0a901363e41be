// The host package list (scripts/host-packages), as scripts/setup and kiln doctor read it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDoctor, toolsChecks } from '../../../src/commands/doctor.js';
import { hostFamily, hostPackages, HOST_PACKAGES_FILE, installCommand, missingHostPackages, parseHostPackages } from '../../../src/host/host-packages.js';
import { packageRoot } from '../../../src/paths.js';

describe('scripts/host-packages', () => {
  it('gives every Debian package what kiln runs from it and its Fedora name', async () => {
    const list = await hostPackages();
    expect(list.length).toBeGreaterThan(10);
    for (const p of list) {
      expect(p.fedora, p.debian).toMatch(/^[a-z0-9][a-z0-9+._-]*$/);
      expect(p.provides.flat().length, p.debian).toBeGreaterThan(0);
      expect(p.purpose, p.debian).not.toBe('');
    }
    expect(list.find((p) => p.debian === 'qemu-utils')).toMatchObject({ fedora: 'qemu-img', provides: [['qemu-img']] });
    expect(list.find((p) => p.debian === 'util-linux')!.provides).toEqual([['setpriv', 'flock']]);
  });

  it('is the list scripts/setup installs (its first column)', () => {
    const setup = readFileSync(join(packageRoot, 'scripts/setup'), 'utf8');
    const fn = /^packages\(\) \{.*\}$/m.exec(setup)![0];
    const out = execFileSync('bash', ['-c', `${fn}\npackages ${HOST_PACKAGES_FILE}`], { encoding: 'utf8' }).trim().split(/\s+/);
    expect(out).toEqual(parseHostPackages(readFileSync(HOST_PACKAGES_FILE, 'utf8')).map((p) => p.debian));
  });

  it('counts a package missing only when every alternative lacks something', async () => {
    const list = parseHostPackages(
      ['has-sh  sh  sh-rpm  # a shell', 'none  no-such-tool-kiln  none-rpm  # nothing', 'either  no-such-tool-kiln|sh  either-rpm  # one of two', 'both  sh,no-such-tool-kiln  both-rpm  # both', 'file  /etc/passwd  file-rpm  # a file'].join('\n'),
    );
    expect((await missingHostPackages(list)).map((p) => p.debian)).toEqual(['none', 'both']);
  });
});

describe('the install command', () => {
  const list = parseHostPackages('qemu-utils qemu-img qemu-img # x\nlibc-bin ldconfig glibc # y\nutil-linux setpriv util-linux # z\nutil-linux2 flock util-linux # z');

  it('for the family of the host, from /etc/os-release', () => {
    expect(hostFamily('ID=debian\n')).toBe('debian');
    expect(hostFamily('ID=ubuntu\nID_LIKE=debian\n')).toBe('debian');
    expect(hostFamily('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe('debian');
    expect(hostFamily('ID=fedora\n')).toBe('fedora');
    expect(hostFamily('ID="rocky"\nID_LIKE="rhel centos fedora"\n')).toBe('fedora');
    expect(hostFamily('ID=arch\n')).toBe('unknown');
    expect(installCommand('debian', list, true)).toBe('apt-get install --no-install-recommends qemu-utils libc-bin util-linux util-linux2');
    expect(installCommand('fedora', list, false)).toBe('sudo dnf install qemu-img glibc util-linux');
  });

  it('kiln doctor names what is missing, what for, and the one command (both on another host)', () => {
    expect(renderDoctor(toolsChecks(list.slice(0, 1), 13, 'debian', false))).toBe(
      ['✗ host tools: 1 package missing', '    qemu-img (qemu-utils): x', '    install with:', '      sudo apt-get install --no-install-recommends qemu-utils', ''].join('\n'),
    );
    expect(renderDoctor(toolsChecks(list.slice(0, 1), 13, 'unknown', true))).toContain('Fedora:        dnf install qemu-img');
    expect(renderDoctor([...toolsChecks([], 13, 'fedora', true), { ok: 'warn', text: 'KVM: no' }])).toBe('✓ host tools: all 13 packages every build needs are installed\n! KVM: no\n');
  });

  it('an optional package missing is a warning with its own install line, not a failure', () => {
    const arm = parseHostPackages('qemu-system-arm qemu-system-aarch64 qemu-system-aarch64-core optional # arm64 images');
    expect(arm[0]!.optional).toBe(true);
    const checks = toolsChecks(arm, 15, 'fedora', true);
    expect(checks.map((c) => c.ok)).toEqual([true, 'warn']);
    expect(renderDoctor(checks)).toBe(
      [
        '✓ host tools: all 14 packages every build needs are installed',
        '! host tools for some builds only: 1 not installed',
        '    qemu-system-aarch64 (qemu-system-aarch64-core): arm64 images',
        '    install with:',
        '      dnf install qemu-system-aarch64-core',
        '',
      ].join('\n'),
    );
    expect(() => parseHostPackages('a b c sometimes # x')).toThrow(/optional/);
  });
});
