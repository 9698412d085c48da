/**
 * The Client's wait loop: read something of an instance until it is what the caller waits for,
 * sleeping in between until the provider signals a change of the instance (or, without such a
 * signal, a backoff up to `maxPollMs` runs out). A deadline ends it with a `TimeoutError`; an
 * `AbortSignal` ends it at once, even during a read, with the signal's reason.
 */
import { untilAborted } from '../core/abort.js';
import { TimeoutError } from '../core/errors.js';
import type { InstanceChangeFilter, Provider } from '../core/provider.js';
import { sleep } from '../core/sleep.js';

/** Why a finished wait releases the provider's wait and its timer (read by nobody). */
const WAIT_OVER = 'wait over';

/** What {@link pollInstance} reads, until when, and what stops it. */
export interface InstancePoll<T> {
  /** One read of what the wait is about (a status, a value). */
  read: () => Promise<T>;
  /** True once `value` is what the caller waits for. */
  done: (value: T) => boolean;
  timeoutMs: number;
  /** The message of the `TimeoutError`. */
  timeoutMessage: () => string;
  /** Longest sleep between reads while the provider signals nothing (ms). */
  maxPollMs: number;
  /** Stops the wait: no further read; rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Which change signals wake the wait (default 'any'; 'end' when only the end matters). */
  changes?: InstanceChangeFilter;
}

/** Reads until `done`, then resolves with that value; see the module comment for how it ends. */
export async function pollInstance<T>(
  provider: Provider,
  instanceId: string,
  poll: InstancePoll<T>,
): Promise<T> {
  const deadline = Date.now() + poll.timeoutMs;
  let delay = 5;
  for (;;) {
    poll.signal?.throwIfAborted();
    // A read in flight cannot be cancelled: an abort drops its outcome.
    const value = await untilAborted(poll.read(), poll.signal);
    if (poll.done(value)) return value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new TimeoutError(poll.timeoutMessage(), { instanceId });
    await waitForChange(provider, instanceId, Math.min(delay, remaining), poll.signal, poll.changes ?? 'any');
    delay = Math.min(delay * 2, Math.max(poll.maxPollMs, 5));
  }
}

/**
 * Sleeps up to `ms`, waking early when the provider signals a change of the instance; rejects
 * when `signal` aborts. Either way the provider's wait and the timer are released.
 */
async function waitForChange(
  provider: Provider,
  instanceId: string,
  ms: number,
  signal: AbortSignal | undefined,
  changes: InstanceChangeFilter,
): Promise<void> {
  const controller = new AbortController();
  try {
    await untilAborted(
      Promise.race([
        provider.waitForInstanceChange(instanceId, ms, controller.signal, changes),
        sleep(ms, controller.signal),
      ]),
      signal,
    );
  } finally {
    // A constant reason: without one, abort() builds a DOMException (with a stack) per wake-up.
    controller.abort(WAIT_OVER);
  }
}
