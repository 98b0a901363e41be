// Runs one phase's element scripts, in the guest or (extra-data.d) on the host, one at a
// time with progress events; a failing script becomes PhaseScriptError with its tail.
import { readFileSync } from 'node:fs';
import type { ElementScript } from '../elements/index.js';
import { PhaseScriptError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ApplianceVm } from '../vm/appliance-vm.js';
import { runHostScript } from '../host/run.js';
import { sourceEnvironment } from '../guest/script-run.js';
import { renderScriptRun } from '../guest/script-run.js';
import type { PhaseSpec } from '../elements/phases.js';

export interface PhaseRun {
  phase: PhaseSpec;
  scripts: readonly ElementScript[];
  environment: string[];
  env: Record<string, string>;
  trace: boolean;
  logger: Logger;
  /** Hide secret values in what is logged. */
  redact: (text: string) => string;
  /** Hears each script that succeeded, as it ends (a failing phase keeps the timings of those before). */
  record?: (t: ScriptTiming) => void;
}

export interface ScriptTiming {
  element: string;
  phase: string;
  script: string;
  durationMs: number;
  exitCode: number;
}

/** Keeps the last N lines of a stream of chunks, and emits whole lines. */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];
  constructor(private readonly keep: number, private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) this.add(l);
  }
  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }
  private add(line: string): void {
    this.onLine(line);
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }
}

export async function runGuestPhase(vm: ApplianceVm, run: PhaseRun): Promise<ScriptTiming[]> {
  return runEach(run, async (s, tail) => {
    const text = renderScriptRun({ phase: run.phase, script: s.hook, environment: run.environment, env: run.env, trace: run.trace });
    const r = await vm.exec('bash -s', { stdin: text, onStdout: (c) => tail.push(c), onStderr: (c) => tail.push(c), collect: false });
    return { exitCode: r.exitCode, signal: r.signal };
  });
}

export async function runHostPhase(run: PhaseRun, hostHooks: string, cwd: string): Promise<ScriptTiming[]> {
  return runEach(run, async (s, tail) => {
    return runHostScript(`${hostHooks}/${s.hook}`, { env: run.env, environment: sourceEnvironment(run.environment.map((f) => `${hostHooks}/${f}`)), cwd, onOutput: (c) => tail.push(c), trace: run.trace });
  });
}

async function runEach(
  run: PhaseRun,
  one: (s: ElementScript, tail: LineTail) => Promise<{ exitCode: number | null; signal: string | null }>,
): Promise<ScriptTiming[]> {
  const timings: ScriptTiming[] = [];
  for (const s of run.scripts) {
    const ev = { element: s.element, phase: run.phase.name, script: s.name };
    run.logger.emit({ type: 'script', ...ev, state: 'start' });
    const tail = new LineTail(20, (line) => run.logger.emit({ type: 'output', stream: 'stdout', line: run.redact(line) }));
    const t0 = performance.now();
    const r = await one(s, tail);
    tail.flush();
    const durationMs = performance.now() - t0;
    run.logger.emit({ type: 'script', ...ev, state: 'end', exitCode: r.exitCode ?? -1, durationMs });
    if (r.exitCode !== 0) {
      const hint = missingInterpreter(s, r.exitCode, tail.lines, run.phase) ?? (run.phase.where === 'host' ? missingPythonModules(tail.lines) : undefined);
      throw new PhaseScriptError({ ...ev, exitCode: r.exitCode, signal: r.signal ?? undefined, tail: tail.lines.map(run.redact) }, hint ? { hint } : {});
    }
    const t = { ...ev, durationMs, exitCode: 0 };
    run.record?.(t);
    timings.push(t);
  }
  return timings;
}

/**
 * A script whose #! names a program that is not there exits 126/127 with the shell's "required
 * file not found" or "bad interpreter": name the program, and where it had to be.
 */
export function missingInterpreter(s: Pick<ElementScript, 'source'>, exitCode: number | null, lines: readonly string[], phase: Pick<PhaseSpec, 'where' | 'chroot'>): string | undefined {
  if ((exitCode !== 126 && exitCode !== 127) || !lines.some((l) => /cannot execute: required file not found|bad interpreter/.test(l))) return undefined;
  let first = '';
  try {
    first = readFileSync(s.source, 'utf8').slice(0, 256).split('\n')[0] ?? '';
  } catch {
    return undefined;
  }
  const m = /^#!\s*(\S+)/.exec(first);
  if (!m) return undefined;
  const place = phase.where === 'host' ? 'on this host' : phase.chroot ? 'in the image being built (install it in an earlier phase, or from package-installs)' : 'in the appliance';
  return `its #! line asks for ${m[1]}, which is not there ${place}`;
}

/** Debian packages of the Python modules DIB's host-side scripts import. */
const PYTHON_PACKAGES: Record<string, string> = { yaml: 'python3-yaml', diskimage_builder: 'python3-diskimage-builder', six: 'python3-six' };

/**
 * extra-data.d runs on the host: a Python module its scripts import may be missing there.
 * Names them, and the packages that have them, from the script's traceback.
 */
export function missingPythonModules(lines: readonly string[]): string | undefined {
  const mods = [...new Set(lines.flatMap((l) => /(?:ModuleNotFoundError|ImportError): No module named '([\w.]+)'/.exec(l)?.[1]?.split('.')[0] ?? []))];
  if (mods.length === 0) return undefined;
  const pkgs = mods.map((m) => PYTHON_PACKAGES[m] ?? `python3-${m.replace(/_/g, '-')}`);
  return `this host-side (extra-data.d) script needs the Python module${mods.length > 1 ? 's' : ''} ${mods.join(', ')} on the host: apt-get install ${pkgs.join(' ')} (or make them importable by python3 through PYTHONPATH, passed with --envvar PYTHONPATH)`;
}
