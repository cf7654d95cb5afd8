import type { EngineHooks } from '@app/delivery';

type HookName = keyof EngineHooks<unknown>;
/** Every engine hook takes at most two arguments (the event(s) and an info object). */
type AnyHook = (first: unknown, second: unknown) => void;

/** One set of engine hooks that calls each given set in turn (metrics, status, logs). */
export function combineHooks<T>(...sets: EngineHooks<T>[]): EngineHooks<T> {
  const combined: Record<string, AnyHook> = {};
  const names = new Set(sets.flatMap((set) => Object.keys(set) as HookName[]));
  for (const name of names) {
    const hooks = sets
      .map((set) => set[name] as AnyHook | undefined)
      .filter((hook): hook is AnyHook => typeof hook === 'function');
    // Fixed arguments, no rest array per call: `received` and `delivered` run per event.
    combined[name] =
      hooks.length === 1
        ? (first, second) => {
            try {
              hooks[0](first, second);
            } catch {
              // A failing hook must not change delivery.
            }
          }
        : (first, second) => {
            for (const hook of hooks) {
              try {
                hook(first, second);
              } catch {
                // A failing hook must not keep the others from running (nor change delivery).
              }
            }
          };
  }
  return combined;
}
