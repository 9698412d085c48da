/**
 * Time as durox's store and runtime see it. Everything with a durable meaning — when a timer
 * fires, when a message becomes visible, when a lease expires, the time a turn records — reads
 * a `Clock`, so a test can run the system on virtual time (see `durox/testing`). Durations that
 * only pace this process (poll intervals, busy-retry deadlines, client wait timeouts) stay on
 * the wall clock.
 */

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  /** The current time (epoch ms). */
  now(): number;
  /**
   * Calls `listener` after each jump of a clock that moves by other means than the passing of
   * time (a virtual clock); returns a function that removes the listener. The system clock has
   * none: waiting on it is waiting on real time.
   */
  onAdvance?(listener: () => void): () => void;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** True when `value` has the shape of a `Clock` (for option validation). */
export function isClock(value: unknown): value is Clock {
  return typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function';
}
