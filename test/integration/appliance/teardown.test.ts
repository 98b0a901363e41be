// A kiln process that dies takes its VM with it: after SIGKILL (the watchdog's job) and after
// SIGINT (kiln's own handler, exit 130) no QEMU and no /tmp/kiln-vm-* directory remain.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alive, childrenOf, cmdlineOf, startKiln, waitFor } from './helpers.js';

interface Running {
  kiln: ChildProcess;
  qemu: number;
  vmDir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `kiln shell -- CMD` until the command runs in the guest; its QEMU child and VM directory. */
async function startShell(): Promise<Running> {
  const kiln = startKiln(['shell', '--accel', 'tcg', '--', 'sh', '-c', 'echo ready; exec sleep 600']);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => kiln.once('exit', (code, signal) => r({ code, signal })));
  let out = '';
  let err = '';
  kiln.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  kiln.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await waitFor('the command to start in the guest', () => {
    if (kiln.exitCode !== null) throw new Error(`kiln exited early (${kiln.exitCode}): ${err}`);
    return out.includes('ready');
  }, 90_000).catch((e: unknown) => {
    kiln.kill('SIGKILL');
    throw e;
  });
  try {
    return await found(kiln, exited);
  } catch (e) {
    kiln.kill('SIGKILL');
    throw e;
  }
}

async function found(kiln: ChildProcess, exited: Running['exited']): Promise<Running> {
  const qemu = childrenOf(kiln.pid!).find((p) => cmdlineOf(p)[0]?.includes('qemu-system'));
  expect(qemu, 'kiln has a QEMU child').toBeDefined();
  const vmDir = /(\/[^,\s:]*\/kiln-vm-[^/,\s]+)\//.exec(cmdlineOf(qemu!).join(' '))?.[1];
  expect(vmDir, 'the QEMU command line names the VM directory').toBeDefined();
  expect(existsSync(vmDir!)).toBe(true);
  return { kiln, qemu: qemu!, vmDir: vmDir!, exited };
}

/** Processes (other than zombies) whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('teardown when kiln dies', () => {
  it('SIGKILL of kiln: QEMU dies and the VM directory goes within seconds', { timeout: 120_000 }, async () => {
    const r = await startShell();
    r.kiln.kill('SIGKILL');
    expect((await r.exited).signal).toBe('SIGKILL');
    await waitFor('QEMU to die', () => !alive(r.qemu), 5000);
    await waitFor('the VM directory to go', () => !existsSync(r.vmDir), 5000);
    // the watchdog is gone too
    await waitFor('no process left that names the VM directory', () => processesMentioning(r.vmDir).length === 0, 5000);
  });

  it('SIGINT to kiln: exit 130, QEMU dies, the VM directory goes', { timeout: 120_000 }, async () => {
    const r = await startShell();
    r.kiln.kill('SIGINT');
    const { code } = await r.exited;
    expect(code).toBe(130);
    await waitFor('QEMU to die', () => !alive(r.qemu), 5000);
    expect(existsSync(r.vmDir)).toBe(false);
    await waitFor('no process left that names the VM directory', () => processesMentioning(r.vmDir).length === 0, 5000);
  });
});
