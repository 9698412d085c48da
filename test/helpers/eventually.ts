/**
 * `eventually`: the one way durox's tests wait for something observable (a history event, a
 * status, a file, a process) instead of sleeping a guessed number of milliseconds. It polls a
 * check until it returns a truthy value, within a wall-clock timeout. Time the system under test
 * waits on (timers, backoff, leases) is not polled for: tests move an injected clock instead
 * (docs/testing.md).
 */
import { setTimeout as pause } from 'node:timers/promises';
import { inspect } from 'node:util';

/** `T` without its falsy members. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export interface EventuallyOptions {
  /**
   * What is awaited, for the failure message ("the child process to exit"); a function is called
   * on failure (to describe the state the check last saw).
   */
  what?: string | (() => string);
  /** Wall-clock time to wait before failing (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns a truthy value, and returns that value. Fails after the timeout
 * with a message naming what was awaited and what the last check returned. A check that throws
 * fails at once (it is a broken check, not a condition that is not met yet).
 *
 * The second argument is the timeout in ms, a description, or both as options:
 * `eventually(check)`, `eventually(check, 5000)`, `eventually(check, 'the worker to register')`,
 * `eventually(check, { what: 'healthy', timeoutMs: 20_000 })`.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  options: number | string | EventuallyOptions = {},
): Promise<Truthy<T>> {
  const { what, timeoutMs = 10_000, intervalMs = 10 } = normalise(options);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) {
      const last = inspect(value, { depth: 3, breakLength: Infinity, maxStringLength: 200 });
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${describeWait(what, check)} (last check returned ${last})`,
      );
    }
    await pause(intervalMs);
  }
}

function normalise(options: number | string | EventuallyOptions): EventuallyOptions {
  if (typeof options === 'number') return { timeoutMs: options };
  if (typeof options === 'string') return { what: options };
  return options;
}

/** The caller's description, or else the check's source, shortened. */
function describeWait(what: EventuallyOptions['what'], check: () => unknown): string {
  if (typeof what === 'function') return what();
  if (what !== undefined) return what;
  const source = check.toString().replace(/\s+/g, ' ').trim();
  return source.length > 160 ? `${source.slice(0, 157)}...` : source;
}
