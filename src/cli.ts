// kiln's entry point: builds the command tree and is the one place that turns a command's
// result or error into an exit status, and into the command's final event (`result` or
// `error`, docs/events.md) when the command handed over a sink.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitStatus } from './commands/status.js';
import { KilnError, PhaseScriptError } from './errors.js';
import { jsonLine, renderError, type ErrorEvent } from './log.js';
import { kilnVersion } from './paths.js';
import { interruption } from './signals.js';

/** Exit statuses: 0 ok, 1 a build or command failed, 2 bad usage, 70 a bug in kiln (EX_SOFTWARE). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/** The command tree (completion scripts are generated from it). */
export async function program(status: ExitStatus, o: { machineReadable?: boolean } = {}): Promise<Command> {
  const program = new Command('kiln')
    .description('Build operating-system disk images from diskimage-builder elements, without root.')
    .version(kilnVersion())
    .exitOverride();
  for (const mod of await Promise.all(commands)) mod.register(program, status);
  // commander's errors come back here (not process.exit) from every command, added ones too,
  // and read like kiln's own: "kiln: error: unknown option '--bogus'", then where help is;
  // under --machine-readable they are the final error event instead of text
  const override = (c: Command): void => {
    c.exitOverride()
      .configureOutput(o.machineReadable ? { writeErr: () => {} } : { outputError: (text, write) => write(`kiln: ${text}`) })
      .showHelpAfterError('kiln: run kiln --help, or kiln COMMAND --help');
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const status = new ExitStatus();
  const machineReadable = argv.includes('--machine-readable');
  const cli = await program(status, { machineReadable });
  // a promise nobody awaited that fails: while a signal tears kiln down, a consequence of the
  // teardown (a guest exec whose VM is gone); otherwise a bug, reported in one line like any other
  if (process.listenerCount('unhandledRejection') === 0) {
    process.on('unhandledRejection', (err) => {
      if (interruption()) return;
      const code = fail(status, err, machineReadable);
      status.sink?.close();
      process.exit(code);
    });
  }
  try {
    await cli.parseAsync(argv);
    status.sink?.emit({ type: 'result', exitCode: status.code });
    return status.code;
  } catch (err) {
    return fail(status, err, machineReadable);
  } finally {
    status.sink?.close();
  }
}

/** The failure's final event, to the command's sink or as text; its exit status. */
function fail(status: ExitStatus, err: unknown, machineReadable: boolean): number {
  // a signal ends kiln: what broke because its VM was killed is no error of its own
  const signal = interruption();
  const failure: ErrorEvent = signal
    ? { type: 'error', exitCode: signal.code, kind: 'interrupted', error: 'Interrupted', message: `interrupted by ${signal.signal}` }
    : errorEvent(err);
  if (err instanceof CommanderError && !signal) {
    // help and version exit through here with code 0; commander already printed the message
    if (failure.exitCode === EXIT.ok) return EXIT.ok;
    if (status.sink?.machineReadable) status.sink.emit(failure);
    else if (machineReadable && !status.sink) process.stderr.write(jsonLine(failure));
    return failure.exitCode;
  }
  if (status.sink) status.sink.emit(failure);
  else process.stderr.write(renderError(failure));
  return failure.exitCode;
}

/** Any failure as the final event: its exit code, kind, message and hint; for a failing element script, which one. */
export function errorEvent(err: unknown, env: NodeJS.ProcessEnv = process.env): ErrorEvent {
  if (err instanceof CommanderError) {
    // its own usage errors (unknown option, missing argument) are usage errors like kiln's
    const exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return { type: 'error', exitCode, kind: 'usage', error: 'UsageError', message: err.message.replace(/^error: /, '') };
  }
  if (err instanceof AggregateError && err.errors.length) {
    const [first, ...rest] = err.errors.map((e) => errorEvent(e, env));
    const exitCode = [first!, ...rest].some((e) => e.kind === 'internal') ? EXIT.internal : first!.exitCode;
    return { ...first!, exitCode, also: rest.map((e) => ({ kind: e.kind, error: e.error, message: e.message, ...(e.hint ? { hint: e.hint } : {}) })) };
  }
  const debug = !!env.KILN_DEBUG;
  if (err instanceof KilnError) {
    const e: ErrorEvent = { type: 'error', exitCode: err.exitCode, kind: err.exitCode === EXIT.usage ? 'usage' : 'failed', error: err.name, message: err.message };
    if (err.hint) e.hint = err.hint;
    if (err instanceof PhaseScriptError) {
      const i = err.info;
      Object.assign(e, { element: i.element, phase: i.phase, script: i.script, scriptExitCode: i.exitCode, tail: i.tail }, i.signal ? { signal: i.signal } : {});
    }
    if (debug && err.cause) e.stack = String((err.cause as Error).stack ?? err.cause);
    return e;
  }
  // a bug in kiln, not a user error: one line, and the stack where the user asks for it
  const e: ErrorEvent = { type: 'error', exitCode: EXIT.internal, kind: 'internal', error: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  if (debug && err instanceof Error && err.stack) e.stack = err.stack;
  return e;
}
