/**
 * A clock that moves only when told to: the time base of a `TestEnvironment`. Listeners hear
 * every jump, so the providers' wake-up timers fire for the time that passed at once.
 */
import type { Clock } from '../index.js';

/** A `Clock` set by hand. Time never goes backwards. */
export class VirtualClock implements Clock {
  #now: number;
  readonly #listeners = new Set<() => void>();

  /** @param startMs the initial time (epoch ms). */
  constructor(startMs: number) {
    this.#now = Math.floor(startMs);
  }

  /** The virtual time (epoch ms). */
  now(): number {
    return this.#now;
  }

  /** Calls `listener` after every jump; returns a function that removes it. */
  onAdvance(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Moves the time to `ms` (ignored when it is not later) and tells the listeners. */
  advanceTo(ms: number): void {
    const target = Math.floor(ms);
    if (target <= this.#now) return;
    this.#now = target;
    for (const listener of [...this.#listeners]) listener();
  }

  /** Moves the time forward by `ms`. */
  advanceBy(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}
