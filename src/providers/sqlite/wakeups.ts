/**
 * In-process wake-up signals, so idle dispatchers and status waiters react in milliseconds to
 * work written by this process instead of polling. Providers of one process that open the same
 * file share their signals (a client and a runtime may each open their own). Work written by
 * other processes is found by the callers' poll timeouts.
 */
import type { QueueKind } from '../../core/provider.js';
import { MAX_TIMER_DELAY_MS, waitFor, type Wake } from '../waiters.js';

/** Per-queue state: who is waiting, and whether a notify arrived while nobody was. */
interface QueueSignal {
  waiters: Set<Wake>;
  /** A notify with no waiter is remembered so the next wait returns at once (no lost wake-up). */
  pending: boolean;
  /** The one timer armed for the earliest known delayed message, if any. */
  timer?: { at: number; handle: NodeJS.Timeout };
}

/**
 * Finds the earliest visible time after `afterMs` of work on `queue` (null if none), so a fired
 * timer can re-arm for the next delayed message.
 */
export type NextDueLookup = (queue: QueueKind, afterMs: number) => number | null;

/** Signals of the providers of this process, by database file. */
const channels = new Map<string, Set<WakeSignals>>();

/** Wake-up signals for the two queues and for instance changes. */
export class WakeSignals {
  private readonly queues: Record<QueueKind, QueueSignal> = {
    orchestrator: { waiters: new Set(), pending: false },
    worker: { waiters: new Set(), pending: false },
  };
  private readonly instanceWaiters = new Map<string, Set<Wake>>();
  private closed = false;

  /**
   * @param nextDueAt finds the next delayed work in the database.
   * @param channel the database file; signals of providers on the same file are shared.
   */
  constructor(
    private readonly nextDueAt: NextDueLookup,
    private readonly channel?: string,
  ) {
    if (channel === undefined) return;
    let peers = channels.get(channel);
    if (peers === undefined) {
      peers = new Set();
      channels.set(channel, peers);
    }
    peers.add(this);
  }

  private peers(): Iterable<WakeSignals> {
    return (this.channel === undefined ? undefined : channels.get(this.channel)) ?? [this];
  }

  /**
   * `count` new items may be available on `queue` now: wakes that many idle waiters (across the
   * providers sharing the file), so one enqueue does not send every idle dispatcher to the store.
   */
  notify(queue: QueueKind, count = Number.POSITIVE_INFINITY): void {
    let remaining = count;
    for (const peer of this.peers()) {
      if (remaining <= 0) return;
      remaining -= peer.notifyLocal(queue, remaining);
    }
  }

  /** The instance may have changed. */
  notifyInstance(instanceId: string): void {
    for (const peer of this.peers()) peer.notifyInstanceLocal(instanceId);
  }

  /** Work on `queue` becomes visible at `atMs`; keeps one timer for the earliest such time. */
  scheduleAt(queue: QueueKind, atMs: number): void {
    for (const peer of this.peers()) peer.scheduleLocal(queue, atMs);
  }

  /** Wakes up to `count` waiters (oldest first); returns how many were woken. */
  private notifyLocal(queue: QueueKind, count = Number.POSITIVE_INFINITY): number {
    const signal = this.queues[queue];
    if (signal.waiters.size === 0) {
      signal.pending = true;
      return 0;
    }
    let woken = 0;
    for (const wake of [...signal.waiters]) {
      if (woken >= count) break;
      wake();
      woken++;
    }
    return woken;
  }

  private notifyInstanceLocal(instanceId: string): void {
    const waiters = this.instanceWaiters.get(instanceId);
    if (waiters === undefined) return;
    for (const wake of [...waiters]) wake();
  }

  private scheduleLocal(queue: QueueKind, atMs: number): void {
    if (this.closed) return;
    const now = Date.now();
    if (atMs <= now) {
      this.notifyLocal(queue);
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

  /**
   * Arms the timer for the earliest stored message visible after `afterMs`. At open that is
   * every stored message (pass 0): wake-ups sent before this provider existed were missed.
   */
  rearm(queue: QueueKind, afterMs = Date.now()): void {
    let next: number | null = null;
    try {
      next = this.nextDueAt(queue, afterMs);
    } catch {
      // A busy or closing database only costs a late wake-up; dispatchers also poll.
    }
    if (next !== null) this.scheduleLocal(queue, next);
  }

  private fire(queue: QueueKind): void {
    const signal = this.queues[queue];
    const due = signal.timer?.at ?? 0;
    signal.timer = undefined;
    if (this.closed) return;
    if (Date.now() >= due) this.notifyLocal(queue);
    this.rearm(queue);
  }

  /** Resolves on the next notify of `queue` (or at once if one is pending), timeout or abort. */
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

  /** Clears timers, releases every waiter and leaves the channel. */
  close(): void {
    this.closed = true;
    if (this.channel !== undefined) {
      const peers = channels.get(this.channel);
      peers?.delete(this);
      if (peers?.size === 0) channels.delete(this.channel);
    }
    for (const state of Object.values(this.queues)) {
      if (state.timer !== undefined) clearTimeout(state.timer.handle);
      state.timer = undefined;
      for (const wake of [...state.waiters]) wake();
    }
    for (const waiters of [...this.instanceWaiters.values()]) {
      for (const wake of [...waiters]) wake();
    }
  }
}
