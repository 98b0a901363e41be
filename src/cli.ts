// kiln's entry point: builds the command tree and is the one place that turns errors into exit codes.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { KilnError } from './errors.js';
import { kilnVersion } from './paths.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kiln')
    .description('Build operating-system disk images from diskimage-builder elements, without root.')
    .version(kilnVersion())
    .exitOverride()
    .showHelpAfterError('(run kiln --help, or kiln COMMAND --help)');
  for (const mod of await Promise.all(commands)) mod.register(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version exit through here with code 0; commander already printed the message
    return err.exitCode;
  }
  if (err instanceof KilnError) {
    process.stderr.write(`kiln: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`kiln: ${err.hint}\n`);
    if (process.env.KILN_DEBUG && err.cause) process.stderr.write(`cause: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  if (err instanceof AggregateError) {
    for (const e of err.errors) report(e);
    return 1;
  }
  // A bug in kiln, not a user error: keep the stack so it can be reported.
  process.stderr.write(`kiln: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}


