/**
 * Polls a loader: runs it now and again `intervalMs` after each run ends (never two at once),
 * restarts at once when `deps` change, and keeps the last data while the next load runs so
 * the screen does not flicker.
 */
import { useEffect, useRef, useState } from 'react';
import type { DependencyList } from 'react';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
}

export function usePoll<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  options: { intervalMs: number; enabled?: boolean },
): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  const enabled = options.enabled ?? true;

  useEffect(() => {
    if (!enabled) return undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined });
      } catch (err) {
        if (!stopped) {
          setState((s) => ({ data: s.data, error: err instanceof Error ? err : new Error(String(err)) }));
        }
      }
      if (!stopped) timer = setTimeout(() => void tick(), options.intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The caller's deps decide when to reload; the loader itself is read through a ref.
  }, [...deps, enabled, options.intervalMs]);

  return state;
}
