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
): void {
  const hook = hooks[name];
  if (typeof hook !== 'function') {
    return;
  }
  try {
    (hook as (...a: unknown[]) => void).apply(hooks, args);
  } catch {
    // Swallowed: see above.
  }
}
