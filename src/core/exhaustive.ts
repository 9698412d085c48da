/**
 * Exhaustiveness checks for `switch` statements over closed unions (event kinds, work-item
 * kinds, node kinds …): the `default` branch passes the narrowed value here, so a new kind that
 * no case handles fails compilation instead of being silently dropped.
 */
import { IllegalStateError } from './errors.js';

/** Ends a `switch` that handles every member of a union; throws if reached at run time. */
export function assertNever(value: never, what = 'kind'): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new IllegalStateError(`unhandled ${what}: ${shown}`);
}
