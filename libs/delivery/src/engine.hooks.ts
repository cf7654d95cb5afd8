type HookArgs<F> = F extends ((...args: infer A) => void) | undefined ? A : never;

/**
 * Calls an optional metrics hook as a method of `hooks` (so class-based hooks keep `this`).
 * A throwing hook is ignored on purpose: metrics must never change what gets delivered or
 * checkpointed.
 */
export function callHook<H extends object, K extends keyof H>(
  hooks: H,
  name: K,
  ...args: HookArgs<H[K]>
): void;
// Hooks take at most two arguments: positional parameters instead of a rest array spare an
// allocation per event on the delivery path.
export function callHook(
  hooks: object,
  name: PropertyKey,
  first?: unknown,
  second?: unknown,
): void {
  const hook = (hooks as Record<PropertyKey, unknown>)[name];
  if (typeof hook !== 'function') {
    return;
  }
  try {
    (hook as (a: unknown, b: unknown) => void).call(hooks, first, second);
  } catch {
    // Swallowed: see above.
  }
}
