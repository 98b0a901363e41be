// Which accelerator to try, for every combination of option, /dev/kvm and remembered verdict.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planAccel, VerdictStore, verdictKey } from '../../../src/vm/accel.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-accel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('planAccel', () => {
  it('--accel kvm: KVM only, whatever the host and the verdict say', () => {
    for (const kvmUsable of [true, false]) {
      for (const verdict of [undefined, 'kvm', 'tcg'] as const) {
        expect(planAccel({ option: 'kvm', kvmUsable, verdict })).toEqual({ tries: ['kvm'], reason: '--accel kvm' });
      }
    }
  });

  it('--accel tcg: TCG only, even with a working KVM', () => {
    for (const verdict of [undefined, 'kvm', 'tcg'] as const) {
      expect(planAccel({ option: 'tcg', kvmUsable: true, verdict })).toEqual({ tries: ['tcg'], reason: '--accel tcg' });
    }
  });

  it('auto without a usable /dev/kvm: TCG, no probe', () => {
    expect(planAccel({ option: 'auto', kvmUsable: false })).toEqual({ tries: ['tcg'], reason: '/dev/kvm is not usable' });
    expect(planAccel({ option: 'auto', kvmUsable: false, verdict: 'kvm' }).tries).toEqual(['tcg']);
  });

  it("auto, a guest of another architecture than the host's: TCG, whatever KVM and the verdict say", () => {
    for (const verdict of [undefined, 'kvm', 'tcg'] as const) {
      expect(planAccel({ option: 'auto', foreign: true, kvmUsable: true, verdict }).tries).toEqual(['tcg']);
    }
  });

  it('auto, KVM usable, no verdict yet: probe KVM, fall back to TCG', () => {
    expect(planAccel({ option: 'auto', kvmUsable: true })).toEqual({ tries: ['kvm', 'tcg'], reason: 'probing KVM' });
  });

  it('auto, KVM failed here before: TCG straight away, no second wait', () => {
    expect(planAccel({ option: 'auto', kvmUsable: true, verdict: 'tcg' })).toEqual({ tries: ['tcg'], reason: 'KVM did not work on this host before' });
  });

  it('auto, KVM worked here before: KVM first, TCG still the fallback', () => {
    expect(planAccel({ option: 'auto', kvmUsable: true, verdict: 'kvm' })).toEqual({ tries: ['kvm', 'tcg'], reason: 'KVM worked on this host before' });
  });
});

describe('VerdictStore', () => {
  it('keys verdicts by host kernel, QEMU binary and QEMU version', () => {
    const k = verdictKey('qemu-system-x86_64', 'QEMU emulator version 7.2.0\n');
    expect(k).toBe(`${release()} | qemu-system-x86_64 | QEMU emulator version 7.2.0`);
    expect(verdictKey('qemu-system-x86_64', 'QEMU emulator version 8.0.0')).not.toBe(k);
    // a QEMU of one's own build (--qemu) with the same version line is another binary
    expect(verdictKey('/opt/qemu/bin/qemu-system-x86_64', 'QEMU emulator version 7.2.0')).not.toBe(k);
  });

  it('remembers per key, survives a new store object, keeps other keys', async () => {
    const s = new VerdictStore(join(dir, 'cache', 'accel-verdicts.json'));
    expect(await s.get('a')).toBeUndefined();
    await s.set('a', 'tcg');
    await s.set('b', 'kvm');
    const again = new VerdictStore(join(dir, 'cache', 'accel-verdicts.json'));
    expect(await again.get('a')).toBe('tcg');
    expect(await again.get('b')).toBe('kvm');
    await again.set('a', 'kvm');
    expect(JSON.parse(readFileSync(join(dir, 'cache', 'accel-verdicts.json'), 'utf8'))).toEqual({ a: 'kvm', b: 'kvm' });
  });

  it('a corrupt verdict file counts as no verdict', async () => {
    const f = join(dir, 'corrupt.json');
    writeFileSync(f, '{not json');
    const s = new VerdictStore(f);
    expect(await s.get('a')).toBeUndefined();
    await s.set('a', 'tcg');
    expect(await s.get('a')).toBe('tcg');
  });
});
