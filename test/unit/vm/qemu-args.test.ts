// The QEMU argv is data: each property the appliance depends on is asserted on the list itself.
import { describe, expect, it } from 'vitest';
import { ARM64_MACHINE, ARM64_TCG_CPU, bootCmdline, escapeOpt, fastBootCmdline, renderQemuArgs, type VmConfig } from '../../../src/vm/qemu-args.js';

const base: VmConfig = {
  qemu: 'qemu-system-x86_64',
  accel: 'tcg',
  cpus: 2,
  memoryMiB: 2048,
  kernel: '/a/vmlinuz',
  initrd: '/a/initrd',
  drives: [
    { file: '/a/root.sqfs', serial: 'kiln-root', format: 'raw', readonly: true },
    { file: '/v/scratch.qcow2', serial: 'kiln-scratch', format: 'qcow2', cache: 'unsafe' },
  ],
  network: false,
  ports: { 'kiln.ssh': '/t/kiln-vm-x/ssh.sock', 'kiln.data': '/t/kiln-vm-x/data.sock' },
  consoleLog: '/t/kiln-vm-x/console.log',
  fwCfg: { 'opt/kiln/host_key': '/t/kiln-vm-x/host_key' },
};

/** The value after each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

function value(args: string[], flag: string): string | undefined {
  const v = values(args, flag);
  expect(v.length).toBeLessThanOrEqual(1);
  return v[0];
}

describe('renderQemuArgs', () => {
  it('is a pure function: same config, same argv', () => {
    expect(renderQemuArgs(base)).toEqual(renderQemuArgs(structuredClone(base)));
  });

  it('starts from nothing: no default devices, no user config, no graphics, no reboot', () => {
    const a = renderQemuArgs(base);
    for (const f of ['-nodefaults', '-no-user-config', '-nographic', '-no-reboot']) expect(a).toContain(f);
  });

  it('TCG: multi-threaded TCG and -cpu max, -smp and -m as configured', () => {
    const a = renderQemuArgs(base);
    expect(value(a, '-accel')).toBe('tcg,thread=multi');
    expect(value(a, '-cpu')).toBe('max,erms=off,fsrm=off');
    expect(value(a, '-smp')).toBe('2');
    expect(value(a, '-m')).toBe('2048M');
    expect(a.join(' ')).not.toContain('kvm');
  });

  it('KVM: -accel kvm and the host CPU', () => {
    const a = renderQemuArgs({ ...base, accel: 'kvm', cpus: 4, memoryMiB: 512 });
    expect(value(a, '-accel')).toBe('kvm');
    expect(value(a, '-cpu')).toBe('host');
    expect(value(a, '-smp')).toBe('4');
    expect(value(a, '-m')).toBe('512M');
    expect(a.join(' ')).not.toContain('tcg');
  });

  it('boots the given kernel and initrd with the fast-boot command line plus extra words', () => {
    const a = renderQemuArgs({ ...base, append: ['kiln.debug=1'] });
    expect(value(a, '-kernel')).toBe('/a/vmlinuz');
    expect(value(a, '-initrd')).toBe('/a/initrd');
    const cmdline = value(a, '-append')!.split(' ');
    expect(cmdline).toEqual([...fastBootCmdline, 'kiln.debug=1']);
    expect(cmdline).toContain('console=ttyS0');
  });

  it("QEMU's own firmware unless one is given (qboot for the appliance)", () => {
    expect(value(renderQemuArgs(base), '-bios')).toBeUndefined();
    expect(value(renderQemuArgs({ ...base, firmware: '/usr/share/qemu/qboot.rom' }), '-bios')).toBe('/usr/share/qemu/qboot.rom');
  });

  it('sends the console to a file', () => {
    expect(value(renderQemuArgs(base), '-serial')).toBe('file:/t/kiln-vm-x/console.log');
  });

  it('attaches each drive as virtio-blk with its serial, found by label not order', () => {
    const a = renderQemuArgs(base);
    expect(values(a, '-drive')).toEqual([
      'file=/a/root.sqfs,if=none,id=drive0,format=raw,cache=writeback,aio=threads,readonly=on',
      // a host write error reaches the guest as an I/O error; QEMU's default would pause the VM
      'file=/v/scratch.qcow2,if=none,id=drive1,format=qcow2,cache=unsafe,aio=threads,werror=report,rerror=report',
    ]);
    const devs = values(a, '-device').filter((d) => d.startsWith('virtio-blk-pci'));
    expect(devs).toEqual(['virtio-blk-pci,drive=drive0,serial=kiln-root', 'virtio-blk-pci,drive=drive1,serial=kiln-scratch']);
  });

  it('snapshot drives drop their writes', () => {
    const a = renderQemuArgs({ ...base, drives: [{ file: '/d', serial: 's', format: 'raw', snapshot: true }] });
    expect(values(a, '-drive')[0]).toContain(',snapshot=on');
  });

  it('virtio-serial ports are UNIX sockets in the VM dir; no TCP anywhere', () => {
    const a = renderQemuArgs(base);
    expect(values(a, '-chardev')).toEqual([
      'socket,id=port0,path=/t/kiln-vm-x/ssh.sock,server=on,wait=off',
      'socket,id=port1,path=/t/kiln-vm-x/data.sock,server=on,wait=off',
    ]);
    expect(values(a, '-device')).toContain('virtserialport,bus=vser0.0,chardev=port0,name=kiln.ssh');
    expect(values(a, '-device')).toContain('virtserialport,bus=vser0.0,chardev=port1,name=kiln.data');
    const text = a.join(' ');
    expect(text).not.toMatch(/tcp|hostfwd|host=|port=\d|telnet|-monitor|-qmp|-vnc|-gdb/);
  });

  it('no network unless asked; user-mode network without port forwards when asked', () => {
    expect(values(renderQemuArgs(base), '-netdev')).toEqual([]);
    expect(values(renderQemuArgs(base), '-device').some((d) => d.startsWith('virtio-net'))).toBe(false);
    const a = renderQemuArgs({ ...base, network: true });
    expect(values(a, '-netdev')).toEqual(['user,id=net0']);
    expect(values(a, '-device')).toContain('virtio-net-pci,netdev=net0');
  });

  it('hands files in through fw_cfg by name', () => {
    const a = renderQemuArgs({ ...base, fwCfg: { 'opt/kiln/host_key': '/t/hk', 'opt/kiln/config': '/t/cfg' } });
    expect(values(a, '-fw_cfg')).toEqual(['name=opt/kiln/host_key,file=/t/hk', 'name=opt/kiln/config,file=/t/cfg']);
  });

  it('doubles commas in paths inside option lists, so a path cannot inject options', () => {
    const dir = '/t/a,b,readonly=off';
    const a = renderQemuArgs({
      ...base,
      drives: [{ file: `${dir}/root`, serial: 'kiln-root', format: 'raw' }],
      ports: { 'kiln.ssh': `${dir}/ssh.sock` },
      fwCfg: { 'opt/kiln/config': `${dir}/config` },
    });
    expect(values(a, '-drive')[0]).toMatch(/^file=\/t\/a,,b,,readonly=off\/root,if=none,/);
    expect(values(a, '-chardev')[0]).toBe('socket,id=port0,path=/t/a,,b,,readonly=off/ssh.sock,server=on,wait=off');
    expect(values(a, '-fw_cfg')[0]).toBe('name=opt/kiln/config,file=/t/a,,b,,readonly=off/config');
  });

  it('escapeOpt doubles every comma and nothing else', () => {
    expect(escapeOpt('a,b,,c')).toBe('a,,b,,,,c');
    expect(escapeOpt('/plain/path')).toBe('/plain/path');
  });
});

describe('renderQemuArgs: labels', () => {
  it('escapes commas in drive serials, port names and fw_cfg names too', () => {
    const a = renderQemuArgs({ ...base, drives: [{ file: '/d', serial: 'x,y', format: 'raw' }], ports: { 'p,q': '/s' }, fwCfg: { 'opt/a,b': '/f' } });
    expect(values(a, '-device')).toContain('virtio-blk-pci,drive=drive0,serial=x,,y');
    expect(values(a, '-device')).toContain('virtserialport,bus=vser0.0,chardev=port0,name=p,,q');
    expect(values(a, '-fw_cfg')).toEqual(['name=opt/a,,b,file=/f']);
  });
});

describe('renderQemuArgs: arm64', () => {
  const arm: VmConfig = { ...base, arch: 'arm64', qemu: 'qemu-system-aarch64', firmware: '/usr/share/qemu/qboot.rom' };

  it('the virt machine, TCG with the arm64 CPU, no PC firmware', () => {
    const a = renderQemuArgs(arm);
    expect(value(a, '-machine')).toBe(ARM64_MACHINE);
    expect(value(a, '-machine')).toMatch(/^virt\b/);
    expect(value(a, '-accel')).toBe('tcg,thread=multi');
    expect(value(a, '-cpu')).toBe(ARM64_TCG_CPU);
    expect(value(a, '-bios')).toBeUndefined();
  });

  it('the PL011 console and none of the PC-only kernel words', () => {
    const cmdline = value(renderQemuArgs({ ...arm, append: ['x=1'] }), '-append')!.split(' ');
    expect(cmdline).toEqual([...bootCmdline('arm64'), 'x=1']);
    expect(cmdline).toContain('console=ttyAMA0');
    expect(cmdline.join(' ')).not.toMatch(/ttyS0|i8042|8250|tsc=/);
  });

  it('the same PCI devices and fw_cfg as amd64', () => {
    const a = renderQemuArgs(arm);
    const b = renderQemuArgs(base);
    for (const f of ['-drive', '-device', '-chardev', '-fw_cfg', '-serial', '-kernel', '-initrd']) expect(values(a, f)).toEqual(values(b, f));
  });

  it('amd64 is unchanged when no architecture is given', () => {
    expect(renderQemuArgs(base)).toEqual(renderQemuArgs({ ...base, arch: 'amd64' }));
    expect(value(renderQemuArgs(base), '-machine')).toBe('q35,vmport=off,smm=off');
  });
});
