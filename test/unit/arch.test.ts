// Architecture names: DIB's and Debian's spellings, and what kiln cannot build.
import { describe, expect, it } from 'vitest';
import { ARCHES, archFacts, hostArch, parseArch } from '../../src/arch.js';

describe('parseArch', () => {
  it("takes DIB's and Debian's spellings to Debian's", () => {
    expect(parseArch('amd64')).toBe('amd64');
    expect(parseArch('x86_64')).toBe('amd64');
    expect(parseArch('arm64')).toBe('arm64');
    expect(parseArch('aarch64')).toBe('arm64');
  });

  it('anything else is not an architecture kiln builds', () => {
    for (const a of ['s390x', 'armhf', 'i386', 'ppc64el', 'toString', '__proto__', '']) expect(parseArch(a)).toBeUndefined();
  });

  it("the host's architecture from Node's name", () => {
    expect(hostArch('x64')).toBe('amd64');
    expect(hostArch('arm64')).toBe('arm64');
    expect(hostArch('s390x')).toBeUndefined();
  });

  it('every architecture names its QEMU, its package and its UEFI firmware', () => {
    for (const a of ARCHES) {
      expect(archFacts[a].qemu).toMatch(/^qemu-system-/);
      for (const f of archFacts[a].uefi.files) expect(f.code).toMatch(/^\/usr\/share\//);
    }
    expect(archFacts.arm64).toMatchObject({ qemu: 'qemu-system-aarch64', qemuPackage: 'qemu-system-arm', console: 'ttyAMA0', unameMachine: 'aarch64' });
    expect(archFacts.arm64.uefi.package).toBe('qemu-efi-aarch64');
  });
});
