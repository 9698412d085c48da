/**
 * Moving virtual time. The store says whether anything is in progress (a visible message, a
 * leased turn, a queued or running activity) and when its next delayed message is due; the
 * keeper moves the clock only when nothing is in progress, one stop at a time (the next due
 * timer or the next scheduled test action), and lets the work each stop triggers settle before
 * it moves on. Every move goes through one queue, so a manual `advanceTo` and automatic
 * skipping never interleave.
 */
import { setTimeout as wallSleep } from 'node:timers/promises';
import type { Provider, StoreActivity } from '../index.js';
import { IllegalStateError } from '../index.js';
import type { VirtualClock } from './virtual-clock.js';

/** A test action due at a virtual time (e.g. raising an event at day 3). */
interface ScheduledAction {
  atMs: number;
  run: () => Promise<void>;
}

/** Wall-clock pauses between store polls while waiting for work to settle, in ms. */
const POLL_MS = [0, 1, 1, 2, 2, 5];

/** Thrown when work does not settle: something keeps running in wall-clock time. */
export class SettleTimeoutError extends IllegalStateError {}

export class TimeKeeper {
  readonly #agenda: ScheduledAction[] = [];
  /** The tail of the move queue: each move starts when the previous one ended. */
  #moves: Promise<unknown> = Promise.resolve();
  #waiters = 0;
  /** What each waiting call waits for, when it said (checked before every skip). */
  readonly #satisfied = new Set<() => Promise<boolean>>();
  #skipping: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly provider: Provider & { getStoreActivity(): Promise<StoreActivity> },
    private readonly clock: VirtualClock,
    private readonly autoSkip: boolean,
    private readonly settleTimeoutMs: number,
  ) {}

  /**
   * Runs `action` when virtual time reaches `atMs` (at once, in order, if it already has). Its
   * failure fails whatever moves time there (`advanceTo`, or a waiting client call).
   */
  async schedule(atMs: number, action: () => Promise<void>): Promise<void> {
    if (atMs <= this.clock.now()) return this.#enqueue(action);
    this.#agenda.push({ atMs, run: action });
    // A stable sort: actions due at the same time run in the order they were scheduled.
    this.#agenda.sort((a, b) => a.atMs - b.atMs);
  }

  /** Moves to `targetMs`, stopping at every due timer and scheduled action on the way. */
  advanceTo(targetMs: number): Promise<void> {
    return this.#enqueue(async () => {
      for (;;) {
        const idle = await this.#settle();
        const next = this.#nextStop(idle);
        if (next === null || next > targetMs) break;
        await this.#stopAt(next);
      }
      this.clock.advanceTo(targetMs);
      await this.#runDueActions();
      await this.#settle();
    });
  }

  /**
   * Runs `wait` (a client call that waits for an outcome) and, with automatic skipping on,
   * moves time to the next stop whenever nothing is in progress until it resolves — but never
   * while `satisfied` (the outcome is in the store already) says yes.
   */
  async whileWaiting<T>(wait: () => Promise<T>, satisfied?: () => Promise<boolean>): Promise<T> {
    if (!this.autoSkip) return wait();
    this.#waiters++;
    if (satisfied !== undefined) this.#satisfied.add(satisfied);
    this.#skipping ??= this.#skipWhileWaiting().finally(() => (this.#skipping = undefined));
    // A failed move (e.g. a scheduled action that threw) fails the wait instead of leaving it
    // to its timeout; a skipping loop that simply ends never settles this.
    const failed = this.#skipping.then(() => new Promise<never>(() => undefined));
    try {
      return await Promise.race([wait(), failed]);
    } finally {
      this.#waiters--;
      if (satisfied !== undefined) this.#satisfied.delete(satisfied);
    }
  }

  /** Stops moving time; pending scheduled actions never run. */
  close(): void {
    this.#closed = true;
    this.#agenda.length = 0;
  }

  async #skipWhileWaiting(): Promise<void> {
    let poll = 0;
    while (this.#waiters > 0 && !this.#closed) {
      const moved = await this.#enqueue(async () => {
        const activity = await this.provider.getStoreActivity();
        if (activity.inProgress > 0) return false;
        const next = this.#nextStop(activity);
        if (next === null) return false;
        // A wait whose outcome is already in the store ends by itself: moving time past it
        // (it may not have read the store yet) would run the next timers too early.
        for (const done of this.#satisfied) if (await done()) return false;
        await this.#stopAt(next);
        return true;
      });
      poll = moved ? 0 : Math.min(poll + 1, POLL_MS.length - 1);
      await wallSleep(POLL_MS[poll]!);
    }
  }

  /** The earlier of the store's next due message and the next scheduled action. */
  #nextStop(activity: StoreActivity): number | null {
    const action = this.#agenda[0]?.atMs ?? null;
    const due = activity.nextDueAtMs;
    if (action === null) return due;
    if (due === null) return action;
    return Math.min(action, due);
  }

  async #stopAt(atMs: number): Promise<void> {
    this.clock.advanceTo(atMs);
    await this.#runDueActions();
    await this.#settle();
  }

  async #runDueActions(): Promise<void> {
    while (this.#agenda.length > 0 && this.#agenda[0]!.atMs <= this.clock.now()) {
      await this.#agenda.shift()!.run();
    }
  }

  /** Resolves with the store's state once nothing is in progress. */
  async #settle(): Promise<StoreActivity> {
    const deadline = Date.now() + this.settleTimeoutMs;
    for (let poll = 0; ; poll = Math.min(poll + 1, POLL_MS.length - 1)) {
      const activity = await this.provider.getStoreActivity();
      if (activity.inProgress === 0 || this.#closed) return activity;
      if (Date.now() > deadline) {
        throw new SettleTimeoutError(
          `work did not settle within ${this.settleTimeoutMs} ms of wall time (${activity.inProgress} message(s) or activities still in progress at virtual ${new Date(this.clock.now()).toISOString()}); an activity may be waiting on real time, or an orchestration no runtime registers keeps being retried`,
        );
      }
      await wallSleep(POLL_MS[poll]!);
    }
  }

  #enqueue<T>(move: () => Promise<T>): Promise<T> {
    const result = this.#moves.then(move);
    this.#moves = result.catch(() => undefined);
    return result;
  }
}
