// The user's terminal in raw mode for an interactive shell in the appliance (kiln shell,
// --break), and back to normal afterwards whatever happens.
export async function withRawTerminal<T>(body: () => Promise<T>): Promise<T> {
  const tty = process.stdin.isTTY;
  if (tty) process.stdin.setRawMode(true);
  try {
    return await body();
  } finally {
    if (tty) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

/** The terminal's type and size, for the guest's pty. */
export function terminalSize(): { term: string; rows: number; cols: number } {
  return { term: process.env.TERM ?? 'xterm', rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 };
}
