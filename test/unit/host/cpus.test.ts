import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupQuota, hostCpus } from '../../../src/host/cpus.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake /sys/fs/cgroup and /proc/self/cgroup: `files` relative to the cgroup mount. */
function fake(selfCgroup: string, files: Record<string, string>): { root: string; self: string } {
  dir = mkdtempSync(join(tmpdir(), 'kiln-cpus-'));
  const root = join(dir, 'cgroup');
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(join(dir, 'self'), selfCgroup);
  return { root, self: join(dir, 'self') };
}

describe('the CPUs a VM gets by default', () => {
  it('reads a container’s cgroup v2 quota (its own cgroup seen as the root)', () => {
    const f = fake('0::/\n', { 'cpu.max': '150000 100000\n' });
    expect(cgroupQuota(f.root, f.self)).toBe(1.5);
    expect(hostCpus(f.root, f.self)).toBe(Math.min(availableParallelism(), 2));
  });

  it('takes the tightest quota along the path, v2; "max" is no limit', () => {
    const f = fake('0::/kubepods/pod1/ctr\n', { 'kubepods/cpu.max': '400000 100000', 'kubepods/pod1/cpu.max': '100000 100000', 'kubepods/pod1/ctr/cpu.max': 'max 100000' });
    expect(cgroupQuota(f.root, f.self)).toBe(1);
    expect(hostCpus(f.root, f.self)).toBe(1);
  });

  it('reads cgroup v1 (cfs quota over period; -1 is no limit)', () => {
    const f = fake('12:cpu,cpuacct:/docker/abc\n0::/\n', { 'cpu/docker/abc/cpu.cfs_quota_us': '200000', 'cpu/docker/abc/cpu.cfs_period_us': '100000', 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' });
    expect(cgroupQuota(f.root, f.self)).toBe(2);
  });

  it('is the cores when there is no quota or no cgroup file at all', () => {
    const f = fake('0::/user.slice\n', { 'user.slice/cpu.max': 'max 100000' });
    expect(cgroupQuota(f.root, f.self)).toBeUndefined();
    expect(hostCpus(f.root, f.self)).toBe(availableParallelism());
    expect(hostCpus(f.root, join(dir, 'missing'))).toBe(availableParallelism());
  });
});
