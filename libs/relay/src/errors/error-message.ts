/**
 * What to show of a thrown value: an Error's message, or the value as text. Never throws: a
 * handler may throw anything, including an object that cannot be turned into a string (no
 * prototype, or a throwing `toString`), and the places that record failures (dead letters, the
 * journal, metrics, status) must not fail on it.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
