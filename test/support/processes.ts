// Processes and temp dirs a test must find gone after kiln: by command line, not by parentage
// (a QEMU or qemu-img that outlives kiln is reparented), read from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line names `needle` (a case's dir): QEMU, qemu-img, lock holders. */
export function processesNaming(needle: string): string[] {
  const found: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes(needle)) found.push(`${p} ${cmd.split('\0').join(' ').slice(0, 200)}`);
  }
  return found;
}

/** QEMU processes whose command line names `needle` (all of them without one). */
export function qemuProcesses(needle = ''): string[] {
  return procs().filter((p) => /(^|\/)qemu-system/.test(p.argv0) && p.cmd.includes(needle)).map(show);
}

/** qemu-img processes whose command line names `needle` (setpriv execs it: same pid, its own argv). */
export function qemuImgProcesses(needle = ''): string[] {
  return procs().filter((p) => /(^|\/)qemu-img$/.test(p.argv0) && p.cmd.includes(needle)).map(show);
}

const show = (p: { pid: number; cmd: string }) => `${p.pid} ${p.cmd.split('\0').join(' ').slice(0, 200)}`;

function procs(): { pid: number; argv0: string; cmd: string }[] {
  const out: { pid: number; argv0: string; cmd: string }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd) out.push({ pid: Number(p), argv0: cmd.split('\0')[0]!, cmd });
    } catch {
      // gone
    }
  }
  return out;
}

/** Kiln's temp dirs in the machine's /tmp that no running process mentions (other suites' live VMs are theirs). */
export function orphanTempDirs(tmp = '/tmp'): string[] {
  const inUse = procs().map((p) => p.cmd).join('\n');
  return readdirSync(tmp)
    .filter((n) => /^kiln-(vm|boot)-/.test(n))
    .filter((n) => !inUse.includes(n));
}

export async function waitUntil(ok: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
