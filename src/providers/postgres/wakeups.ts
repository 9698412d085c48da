/**
 * In-process wake-up signals of one provider: who waits for which queue or instance, whether a
 * notification arrived while nobody waited (remembered, so no wake-up is lost), and one timer
 * per queue armed for the earliest known delayed item. The provider feeds it from its own
 * writes (at once) and from NOTIFYs of other processes (see listener.ts).
 */
import type { QueueKind } from '../../core/provider.js';
import { MAX_TIMER_DELAY_MS, waitFor, type Wake } from '../waiters.js';

interface QueueSignal {
  waiters: Set<Wake>;
  /** A notify with no waiter is remembered so the next wait returns at once. */
  pending: boolean;
  timer?: { at: number; handle: NodeJS.Timeout };
}

/**
 * An instance change nobody waited for is remembered this long: a status poller reads the
 * status, then waits — a change landing while its read was on the wire would otherwise go
 * unnoticed until the poller's timeout. An early wake only costs the poller one more read.
 */
const INSTANCE_MEMORY_MS = 100;
const MAX_REMEMBERED_INSTANCES = 10_000;

/** Called after a queue's timer fired, to look up (asynchronously) the next delayed item. */
export type RearmHook = (queue: QueueKind) => void;

export class WakeSignals {
  private readonly queues: Record<QueueKind, QueueSignal> = {
    orchestrator: { waiters: new Set(), pending: false },
    worker: { waiters: new Set(), pending: false },
  };
  private readonly instanceWaiters = new Map<string, Set<Wake>>();
  /** Changes of instances nobody was waiting for, with when they happened. */
  private readonly unseenChanges = new Map<string, number>();
  private readonly epochs: Record<QueueKind, number> = { orchestrator: 0, worker: 0 };
  private closed = false;

  constructor(private readonly rearm: RearmHook) {}

  /** Counts the wake-ups of `queue`: any change means work may have appeared since. */
  epoch(queue: QueueKind): number {
    return this.epochs[queue];
  }

  /** Idle waiters on `queue` right now. */
  waiters(queue: QueueKind): number {
    return this.queues[queue].waiters.size;
  }

  /**
   * `count` items may be available on `queue` now: wakes that many idle waiters. `fresh` =
   * false means the items are already locked for this process (see prefetch.ts), so the store
   * has nothing new and the epoch stays.
   */
  notify(queue: QueueKind, count = Number.POSITIVE_INFINITY, fresh = true): void {
    if (this.closed || count <= 0) return;
    if (fresh) this.epochs[queue]++;
    const signal = this.queues[queue];
    if (signal.waiters.size === 0) {
      signal.pending = true;
      return;
    }
    let woken = 0;
    for (const wake of [...signal.waiters]) {
      if (woken >= count) break;
      wake();
      woken++;
    }
  }

  /** The instance may have changed. */
  notifyInstance(instanceId: string): void {
    const waiters = this.instanceWaiters.get(instanceId);
    if (waiters === undefined || waiters.size === 0) {
      this.unseenChanges.delete(instanceId);
      this.unseenChanges.set(instanceId, Date.now());
      if (this.unseenChanges.size > MAX_REMEMBERED_INSTANCES) {
        this.unseenChanges.delete(this.unseenChanges.keys().next().value!);
      }
      return;
    }
    for (const wake of [...waiters]) wake();
  }

  /** Every instance may have changed (a notification was too large, or may have been missed). */
  notifyAllInstances(): void {
    this.unseenChanges.clear();
    for (const waiters of [...this.instanceWaiters.values()]) {
      for (const wake of [...waiters]) wake();
    }
  }

  /** Everything may have changed: after the listener reconnected, notifications may be lost. */
  notifyAll(): void {
    this.notify('orchestrator');
    this.notify('worker');
    this.notifyAllInstances();
  }

  /** Work on `queue` becomes visible at `atMs`; keeps one timer for the earliest such time. */
  scheduleAt(queue: QueueKind, atMs: number): void {
    if (this.closed) return;
    const now = Date.now();
    if (atMs <= now) {
      this.notify(queue);
      return;
    }
    const signal = this.queues[queue];
    if (signal.timer !== undefined && signal.timer.at <= atMs) return;
    if (signal.timer !== undefined) clearTimeout(signal.timer.handle);
    const handle = setTimeout(() => this.fire(queue), Math.min(atMs - now, MAX_TIMER_DELAY_MS));
    // A pending wake-up must never keep the process alive on its own.
    handle.unref();
    signal.timer = { at: atMs, handle };
  }

  private fire(queue: QueueKind): void {
    const signal = this.queues[queue];
    const due = signal.timer?.at ?? 0;
    signal.timer = undefined;
    if (this.closed) return;
    if (Date.now() >= due) this.notify(queue);
    else this.scheduleAt(queue, due);
    this.rearm(queue);
  }

  /** Resolves on the next notify of `queue` (at once if one is pending), timeout or abort. */
  waitForWork(queue: QueueKind, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const state = this.queues[queue];
    if (state.pending || this.closed) {
      state.pending = false;
      return Promise.resolve();
    }
    return waitFor(state.waiters, timeoutMs, signal);
  }

  /** Resolves on the next change notice of the instance, timeout or abort. */
  waitForInstanceChange(instanceId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    const unseen = this.unseenChanges.get(instanceId);
    if (unseen !== undefined) {
      this.unseenChanges.delete(instanceId);
      if (Date.now() - unseen <= INSTANCE_MEMORY_MS) return Promise.resolve();
    }
    let waiters = this.instanceWaiters.get(instanceId);
    if (waiters === undefined) {
      waiters = new Set();
      this.instanceWaiters.set(instanceId, waiters);
    }
    const set = waiters;
    return waitFor(set, timeoutMs, signal).finally(() => {
      if (set.size === 0 && this.instanceWaiters.get(instanceId) === set)
        this.instanceWaiters.delete(instanceId);
    });
  }

  /** Clears timers and releases every waiter. */
  close(): void {
    this.closed = true;
    for (const state of Object.values(this.queues)) {
      if (state.timer !== undefined) clearTimeout(state.timer.handle);
      state.timer = undefined;
      for (const wake of [...state.waiters]) wake();
    }
    this.notifyAllInstances();
  }
}
