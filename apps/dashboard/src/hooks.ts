import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Asks again now (after an action), keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * Calls `fetcher` now and every `intervalMs` while the page is visible; a new `key` starts over.
 * The last answer stays on screen while the next one loads, so updates never flash.
 */
export function usePoll<T>(fetcher: () => Promise<T>, key: string, intervalMs: number): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const keyRef = useRef(key);

  useEffect(() => {
    if (keyRef.current !== key) {
      keyRef.current = key;
      setData(undefined);
      setLoading(true);
    }
    let cancelled = false;
    let timer: number | undefined;
    const run = async () => {
      try {
        const result = await fetcherRef.current();
        if (!cancelled) {
          setData(result);
          setError(undefined);
        }
      } catch (failure) {
        if (!cancelled) setError(failure);
      } finally {
        if (!cancelled) {
          setLoading(false);
          timer = window.setTimeout(() => void run(), intervalMs);
        }
      }
    };
    void run();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [key, intervalMs, tick]);

  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { data, error, loading, reload };
}

/** The part of the URL after '#', e.g. ['subscriptions', 'orders-to-billing']. */
export function useRoute(): string[] {
  const read = () =>
    window.location.hash
      .replace(/^#\/?/, '')
      .split('?')[0]
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The query part of the hash (#/dead-letters?subscription=x). */
export function hashParams(): URLSearchParams {
  const query = window.location.hash.split('?')[1] ?? '';
  return new URLSearchParams(query);
}

export function navigate(path: string): void {
  window.location.hash = path;
}
