// kiln's entry point: builds the command tree and is the one place that turns a command's
// result or error into an exit status.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitStatus } from './commands/status.js';
import { KilnError } from './errors.js';
import { kilnVersion } from './paths.js';
import { interruption } from './signals.js';

/** Exit statuses: 0 ok, 1 a build or command failed, 2 bad usage, 70 a bug in kiln (EX_SOFTWARE). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

export async function main(argv: string[]): Promise<number> {
  const status = new ExitStatus();
  const program = new Command('kiln')
    .description('Build operating-system disk images from diskimage-builder elements, without root.')
    .version(kilnVersion())
    .exitOverride();
  for (const mod of await Promise.all(commands)) mod.register(program, status);
  // commander's errors come back here (not process.exit) from every command, added ones too,
  // and read like kiln's own: "kiln: error: unknown option '--bogus'", then where help is
  const override = (c: Command): void => {
    c.exitOverride()
      .configureOutput({ outputError: (text, write) => write(`kiln: ${text}`) })
      .showHelpAfterError('kiln: run kiln --help, or kiln COMMAND --help');
    c.commands.forEach(override);
  };
  override(program);
  // a promise nobody awaited that fails: while a signal tears kiln down, a consequence of the
  // teardown (a guest exec whose VM is gone); otherwise a bug, reported in one line like any other
  if (process.listenerCount('unhandledRejection') === 0) {
    process.on('unhandledRejection', (err) => {
      if (interruption()) return;
      process.exit(report(err));
    });
  }
  try {
    await program.parseAsync(argv);
    return status.code;
  } catch (err) {
    // a signal ends kiln: what broke because its VM was killed is no error of its own
    const signal = interruption();
    if (signal) {
      process.stderr.write(`kiln: interrupted by ${signal.signal}\n`);
      return signal.code;
    }
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version exit through here with code 0; commander already printed the message.
    // Its own usage errors (unknown option, missing argument) are usage errors like kiln's.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof KilnError) {
    process.stderr.write(`kiln: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`kiln: ${err.hint}\n`);
    if (process.env.KILN_DEBUG && err.cause) process.stderr.write(`cause: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  if (err instanceof AggregateError) {
    const codes = err.errors.map((e) => report(e));
    return codes.includes(EXIT.internal) ? EXIT.internal : (codes[0] ?? EXIT.failed);
  }
  // A bug in kiln, not a user error: one line, and the stack where the user asks for it.
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`kiln: internal error: ${text}\n`);
  if (process.env.KILN_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  else process.stderr.write('kiln: this is a bug in kiln; run again with KILN_DEBUG=1 for the stack trace, and report it\n');
  return EXIT.internal;
}
