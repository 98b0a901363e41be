// Which accelerator to use. /dev/kvm opening is not proof KVM works (on some hosts guests
// hang), so "auto" tries KVM with a short deadline, falls back to TCG, and remembers the
// verdict per host kernel + QEMU version so only the first run pays for the probe.
import { UsageError } from '../errors.js';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Accel } from './qemu-args.js';

export type AccelOption = 'auto' | Accel;

export interface AccelPlan {
  /** Accelerators to try in order; each but the last gets `probeDeadlineMs` to reach ready. */
  tries: Accel[];
  reason: string;
}

export interface AccelFacts {
  option: AccelOption;
  /** The guest runs another architecture than the host: KVM cannot run it, TCG only. */
  foreign?: boolean;
  kvmUsable: boolean;
  /** What an earlier run found for this host, if anything. */
  verdict?: Accel;
}

export function planAccel(f: AccelFacts): AccelPlan {
  if (f.option === 'kvm') return { tries: ['kvm'], reason: '--accel kvm' };
  if (f.option === 'tcg') return { tries: ['tcg'], reason: '--accel tcg' };
  if (f.foreign) return { tries: ['tcg'], reason: "the guest's architecture is not the host's" };
  if (!f.kvmUsable) return { tries: ['tcg'], reason: '/dev/kvm is not usable' };
  if (f.verdict === 'tcg') return { tries: ['tcg'], reason: 'KVM did not work on this host before' };
  if (f.verdict === 'kvm') return { tries: ['kvm', 'tcg'], reason: 'KVM worked on this host before' };
  return { tries: ['kvm', 'tcg'], reason: 'probing KVM' };
}

export async function kvmUsable(): Promise<boolean> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A verdict holds for one kernel and one QEMU: its binary (two builds of one version may differ) and version. */
export function verdictKey(qemu: string, qemuVersion: string): string {
  return `${release()} | ${qemu} | ${qemuVersion.trim()}`;
}

export class VerdictStore {
  constructor(private readonly file: string) {}


  async get(key: string): Promise<Accel | undefined> {
    return (await this.read())[key];
  }

  async set(key: string, accel: Accel): Promise<void> {
    const all = await this.read();
    all[key] = accel;
    await mkdir(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${process.pid}`;
    await writeFile(tmp, JSON.stringify(all, null, 2) + '\n');
    await rename(tmp, this.file);
  }

  private async read(): Promise<Record<string, Accel>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Accel>;
    } catch {
      return {};
    }
  }
}

/** --accel kvm on a host where /dev/kvm cannot be opened: refused before QEMU starts. */
export async function requireKvm(option: AccelOption, flag = '--accel'): Promise<void> {
  if (option !== 'kvm' || (await kvmUsable())) return;
  throw new UsageError(`${flag} kvm: /dev/kvm is missing or not readable and writable by you, so KVM cannot be used here`, {
    hint: `use ${flag} auto (or tcg), or get access to /dev/kvm (e.g. the kvm group)`,
  });
}

/** --accel's value, checked: auto, kvm or tcg. */
export function parseAccel(text: string, option = '--accel'): AccelOption {
  if (text === 'auto' || text === 'kvm' || text === 'tcg') return text;
  throw new UsageError(`${option} ${text}: must be auto, kvm or tcg`, { hint: 'auto tries KVM and falls back to TCG (software emulation) by itself' });
}
