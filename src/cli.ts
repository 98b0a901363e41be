// kiln's entry point: builds the command tree and is the one place that turns a command's
// result or error into an exit status.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitStatus } from './commands/status.js';
import { KilnError } from './errors.js';
import { kilnVersion } from './paths.js';

/** Exit statuses: 0 ok, 1 a build or command failed, 2 bad usage, 70 a bug in kiln (EX_SOFTWARE). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

export async function main(argv: string[]): Promise<number> {
  const status = new ExitStatus();
  const program = new Command('kiln')
    .description('Build operating-system disk images from diskimage-builder elements, without root.')
    .version(kilnVersion())
    .exitOverride()
    .showHelpAfterError('(run kiln --help, or kiln COMMAND --help)');
  for (const mod of await Promise.all(commands)) mod.register(program, status);
  // commander's errors come back here (not process.exit) from every command, added ones too
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return status.code;
  } catch (err) {
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
