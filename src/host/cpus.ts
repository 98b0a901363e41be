// How many CPUs kiln may use: the cores it may run on, bounded by its cgroup's CPU quota.
// In a container with a CPU limit (Kubernetes `limits.cpu`, `podman run --cpus`) the host's
// core count is the wrong default for QEMU's vCPUs: TCG threads beyond the quota only
// contend with each other.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

/** The vCPUs a VM gets when none are asked for. */
export function hostCpus(root = '/sys/fs/cgroup', self = '/proc/self/cgroup'): number {
  const cores = availableParallelism();
  const quota = cgroupQuota(root, self);
  return quota === undefined ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

/** The tightest CPU quota (in CPUs) on this process's cgroup and its parents, v2 or v1; undefined when none. */
export function cgroupQuota(root: string, self: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(self, 'utf8');
  } catch {
    return undefined;
  }
  const quotas: number[] = [];
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controllers === '') quotas.push(...along(root, path, (d) => v2(join(d, 'cpu.max'))));
    else if (controllers!.split(',').includes('cpu')) quotas.push(...along(join(root, 'cpu'), path, v1));
  }
  return quotas.length ? Math.min(...quotas) : undefined;
}

/** `f` on the cgroup dir of `path` and each parent up to the mount (a container sees its own cgroup as the root). */
function along(mount: string, path: string, f: (dir: string) => number | undefined): number[] {
  const out: number[] = [];
  for (let p = path; ; p = dirname(p)) {
    const q = f(join(mount, p));
    if (q !== undefined) out.push(q);
    if (p === '/' || p === '.' || p === '') break;
  }
  return out;
}

/** cgroup v2 cpu.max: "max 100000" or "QUOTA PERIOD". */
function v2(file: string): number | undefined {
  const [quota, period] = read(file)?.trim().split(/\s+/) ?? [];
  return quotaOf(quota, period);
}

/** cgroup v1: cpu.cfs_quota_us (-1 for none) over cpu.cfs_period_us. */
function v1(dir: string): number | undefined {
  return quotaOf(read(join(dir, 'cpu.cfs_quota_us'))?.trim(), read(join(dir, 'cpu.cfs_period_us'))?.trim());
}

function quotaOf(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
