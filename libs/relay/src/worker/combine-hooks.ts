import type { EngineHooks } from '@app/delivery';

type HookName = keyof EngineHooks<unknown>;

/** One set of engine hooks that calls each given set in turn (metrics, status, logs). */
export function combineHooks<T>(...sets: EngineHooks<T>[]): EngineHooks<T> {
  const combined: Record<string, (...args: unknown[]) => void> = {};
  const names = new Set(sets.flatMap((set) => Object.keys(set) as HookName[]));
  for (const name of names) {
    const hooks = sets
      .map((set) => set[name] as ((...args: unknown[]) => void) | undefined)
      .filter((hook): hook is (...args: unknown[]) => void => typeof hook === 'function');
    combined[name] = (...args: unknown[]) => {
      for (const hook of hooks) {
        try {
          hook(...args);
        } catch {
          // A failing hook must not keep the others from running (nor change delivery).
        }
      }
    };
  }
  return combined;
}
