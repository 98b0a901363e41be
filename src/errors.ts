// Every failure kiln reports is one of these; cli.ts turns them into a message and an exit code.
// Each says what was being attempted and what to do, and keeps its cause for --debug.

export class KilnError extends Error {
  /** Process exit code for this class of failure. */
  readonly exitCode: number = 1;
  /** One line on what the user can do about it, printed after the message. */
  readonly hint?: string;

  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}

/** Bad command line or option value. */
export class UsageError extends KilnError {
  override readonly exitCode = 2;
}

/** An element cannot be found, resolved or staged. */
export class ElementError extends KilnError {}

/** An element script exited non-zero. */
export class PhaseScriptError extends KilnError {
  constructor(
    readonly info: { element: string; phase: string; script: string; exitCode: number | null; signal?: string; tail: string[] },
    opts: { hint?: string } = {},
  ) {
    const how = info.signal ? `was killed by ${info.signal}` : `exited with status ${info.exitCode}`;
    const tail = info.tail.length ? `\nlast ${info.tail.length} lines of its output:\n  ${info.tail.join('\n  ')}` : '';
    super(`element ${info.element}: ${info.phase}.d/${info.script} ${how}${tail}`, opts);
  }
}

/** The appliance could not be built, booted or talked to. */
export class ApplianceError extends KilnError {}

/** A host program kiln needs is not installed. */
export class MissingToolError extends KilnError {
  constructor(readonly tool: string, readonly debianPackage: string, purpose: string) {
    super(`${tool} is not installed; kiln needs it to ${purpose}`, {
      hint: `install it: apt-get install ${debianPackage}   (kiln doctor lists everything missing, with the dnf line for Fedora)`,
    });
  }
}

/** Join a failure with the errors of the cleanup that followed it, so neither is lost. */
export function withCleanupErrors(primary: unknown, cleanup: unknown[]): unknown {
  const extra = cleanup.filter((e) => e !== undefined);
  if (extra.length === 0) return primary;
  return new AggregateError([primary, ...extra], primary instanceof Error ? primary.message : String(primary));
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A lane of the channel to the appliance (DESIGN.md, "The channel": the command lane, the
 * transfer drive, the data port) failed: which lane, what it was doing, what went wrong.
 */
export class ChannelError extends KilnError {
  constructor(
    readonly lane: string,
    readonly operation: string,
    detail: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(`${lane}: ${operation}: ${detail}`, opts);
  }
}
