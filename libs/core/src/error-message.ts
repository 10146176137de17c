/**
 * The text of anything thrown, for a message that wraps it: an `Error`'s message (or its stack, when the
 * reader needs to find the bug), anything else as a string (`throw 'x'`, a rejected non-error).
 */
export function errorMessage(error: unknown, options: { stack?: boolean } = {}): string {
  if (!(error instanceof Error)) return String(error);
  return options.stack ? (error.stack ?? error.message) : error.message;
}
