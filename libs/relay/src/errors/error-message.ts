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

/** The most of an error message kept where failures are stored (characters). */
export const STORED_MESSAGE_MAX = 4_096;

/**
 * `text` cut to `max` characters, saying how long it was. Error texts are stored (dead letters,
 * the journal) inside documents of at most 16 MiB: a handler's error of any length must fit.
 */
export function cutShort(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
