/**
 * The provider as the runtime's dispatchers see it when someone observes provider operations:
 * each store call is timed and reported to the observers under duroxide's snake_case operation
 * name. Only built when a `providerOperation` observer exists, so an unobserved runtime calls
 * its provider directly.
 */
import { performance } from 'node:perf_hooks';
import type { Provider } from '../../core/provider.js';
import type { ObserverHub } from './observers.js';

/** Waits (they measure idleness, not the store) and lifecycle calls: never timed. */
const UNTIMED = new Set<PropertyKey>(['waitForWork', 'waitForInstanceChange', 'close', 'constructor']);

/** `fetchWorkItem` → `fetch_work_item`. */
export function operationName(method: string): string {
  return method.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `provider` with every operation reported to `hub` as a `providerOperation`. @internal */
export function observeProvider(provider: Provider, hub: ObserverHub): Provider {
  const timed = new Map<PropertyKey, unknown>();
  return new Proxy(provider, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || UNTIMED.has(prop)) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      let wrapper = timed.get(prop);
      if (wrapper === undefined) {
        const operation = operationName(prop);
        const method = value as (...a: unknown[]) => unknown;
        const report = (started: number, error?: { error: unknown }): void =>
          hub.emit('providerOperation', {
            operation,
            durationMs: performance.now() - started,
            ok: error === undefined,
            ...(error === undefined ? {} : { error: error.error }),
          });
        wrapper = (...args: unknown[]): unknown => {
          const started = performance.now();
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (error) {
            report(started, { error });
            throw error;
          }
          if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') {
            report(started);
            return result;
          }
          return (result as Promise<unknown>).then(
            (value) => {
              report(started);
              return value;
            },
            (error: unknown) => {
              report(started, { error });
              throw error;
            },
          );
        };
        timed.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}
