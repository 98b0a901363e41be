/** Run fn and return what it threw (failing the test if it did not throw). */
export function thrown(fn: () => unknown): Error & { hint?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { hint?: string };
  }
  throw new Error('expected an error, none was thrown');
}
