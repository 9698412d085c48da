/**
 * Exhaustiveness check for `switch` statements over closed unions (event kinds, work-item
 * kinds, node kinds, failure categories …): the `default` branch passes the narrowed value here,
 * so a new member that no case handles fails compilation instead of being silently dropped.
 */

/** Ends a `switch` that handles every member of a union; throws if reached at run time. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
