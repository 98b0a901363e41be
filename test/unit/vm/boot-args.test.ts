// kiln boot's QEMU argv: an arm64 image boots on virt with AAVMF in pflash, emulated.
import { describe, expect, it } from 'vitest';
import { renderBootArgs } from '../../../src/vm/boot-test.js';
import { ARM64_MACHINE, ARM64_TCG_CPU } from '../../../src/vm/qemu-args.js';

const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
const base = { image: '/i/a.qcow2', format: 'qcow2', accel: 'tcg' as const, cpus: 2, memoryMiB: 1024 };

describe('renderBootArgs', () => {
  it('amd64: q35, BIOS unless UEFI is given', () => {
    const a = renderBootArgs(base);
    expect(values(a, '-machine')).toEqual(['q35']);
    expect(values(a, '-drive').some((d) => d.startsWith('if=pflash'))).toBe(false);
  });

  it('arm64: virt, the arm64 CPU, AAVMF code read-only and a private variable store', () => {
    const a = renderBootArgs({ ...base, arch: 'arm64', uefi: { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/t/vars.fd' } });
    expect(values(a, '-machine')).toEqual([ARM64_MACHINE]);
    expect(values(a, '-cpu')).toEqual([ARM64_TCG_CPU]);
    expect(values(a, '-drive')).toEqual([
      'if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd',
      'if=pflash,format=raw,file=/t/vars.fd',
      'file=/i/a.qcow2,format=qcow2,if=virtio,snapshot=on',
    ]);
    expect(values(a, '-serial')).toEqual(['stdio']);
  });
});
