/**
 * In-process wake-up signals, shared by both providers: who waits for which queue or instance,
 * whether a notification arrived while nobody waited (remembered, so no wake-up is lost), and
 * one timer per queue armed for the earliest known delayed item. Idle dispatchers and status
 * waiters react in milliseconds to work this process wrote; each provider adds what it knows
 * of other writers (SQLite: providers of this process on the same file, see
 * sqlite/wakeups.ts; PostgreSQL: NOTIFYs of other processes, see postgres/wakeups.ts).
 */
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { InstanceChangeFilter, OrchestrationAck, QueueKind } from '../core/provider.js';
import { MAX_TIMER_DELAY_MS, waitFor, type Wake } from './waiters.js';

/** Per-queue state: who is waiting, and whether a notify arrived while nobody was. */
interface QueueSignal {
  waiters: Set<Wake>;
  /** A notify with no waiter is remembered so the next wait returns at once (no lost wake-up). */
  pending: boolean;
  /** The one timer armed for the earliest known delayed item, if any. */
  timer?: { at: number; handle: NodeJS.Timeout };
}

/**
 * An instance change nobody waited for is remembered this long: a status poller reads the
 * status, then waits — a change landing while its read was on the wire would otherwise go
 * unnoticed until the poller's timeout. An early wake only costs the poller one more read.
 */
const INSTANCE_MEMORY_MS = 100;
const MAX_REMEMBERED_INSTANCES = 10_000;

/**
 * Whether a committed turn may have ended its instance (Completed or Failed): waits for the end
 * (`waitForInstanceChange(…, 'end')`) need no wake-up for the others.
 */
function ackMayEndInstance(ack: OrchestrationAck): boolean {
  const status = ack.metadata.status;
  return status === 'Completed' || status === 'Failed';
}

/** Waiters for changes of instances, and changes nobody was waiting for (remembered briefly). */
class InstanceWaiters {
  private readonly waiters = new Map<string, Set<Wake>>();
  /** Changes of instances nobody was waiting for, with when they happened. */
  private readonly unseen = new Map<string, number>();

  notify(instanceId: string): void {
    const waiters = this.waiters.get(instanceId);
    if (waiters === undefined || waiters.size === 0) {
      this.unseen.delete(instanceId);
      this.unseen.set(instanceId, Date.now());
      if (this.unseen.size > MAX_REMEMBERED_INSTANCES) this.unseen.delete(this.unseen.keys().next().value!);
      return;
    }
    for (const wake of [...waiters]) wake();
  }

  wakeAll(): void {
    this.unseen.clear();
    for (const waiters of [...this.waiters.values()]) {
      for (const wake of [...waiters]) wake();
    }
  }

  wait(instanceId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const unseen = this.unseen.get(instanceId);
    if (unseen !== undefined) {
      this.unseen.delete(instanceId);
      if (Date.now() - unseen <= INSTANCE_MEMORY_MS) return Promise.resolve();
    }
    let waiters = this.waiters.get(instanceId);
    if (waiters === undefined) {
      waiters = new Set();
      this.waiters.set(instanceId, waiters);
    }
    const set = waiters;
    return waitFor(set, timeoutMs, signal).finally(() => {
      if (set.size === 0 && this.waiters.get(instanceId) === set) this.waiters.delete(instanceId);
    });
  }
}

/**
 * Wake-up signals for the two queues and for instance changes. Subclasses say how to find the
 * next delayed item once a timer fired, and may share signals with peers (`peers()`).
 */
export abstract class WakeSignal {
  private readonly queues: Record<QueueKind, QueueSignal> = {
    orchestrator: { waiters: new Set(), pending: false },
    worker: { waiters: new Set(), pending: false },
  };
  /** Waits for any change of an instance (custom status, history watches). */
  private readonly instanceChanges = new InstanceWaiters();
  /** Waits for an instance's end: not woken by turns that leave it running. */
  private readonly instanceEnds = new InstanceWaiters();
  private readonly epochs: Record<QueueKind, number> = { orchestrator: 0, worker: 0 };
  protected closed = false;
  private readonly stopFollowingClock: (() => void) | undefined;

  /**
   * @param clock the store's time: delayed items become due by it; a virtual clock's jumps fire
   *   the timers they pass.
   */
  constructor(protected readonly clock: Clock = systemClock) {
    this.stopFollowingClock = clock.onAdvance?.(() => this.clockAdvanced());
  }

  /** After `queue`'s timer fired: look up the next delayed item and `scheduleLocal` it. */
  protected abstract onTimerFired(queue: QueueKind): void;

  /** The signals a notification reaches: this one, unless a subclass shares them. */
  protected peers(): Iterable<WakeSignal> {
    return [this];
  }

  /** Counts the wake-ups of `queue`: any change means work may have appeared since. */
  epoch(queue: QueueKind): number {
    return this.epochs[queue];
  }

  /** Idle waiters on `queue` right now. */
  waiters(queue: QueueKind): number {
    return this.queues[queue].waiters.size;
  }

  /**
   * `count` items may be available on `queue` now: wakes that many idle waiters (across the
   * peers), so one enqueue does not send every idle dispatcher to the store. `fresh` = false
   * means the items are already locked for this process (see postgres/prefetch.ts), so the
   * store has nothing new and the epoch stays.
   */
  notify(queue: QueueKind, count = Number.POSITIVE_INFINITY, fresh = true): void {
    let remaining = count;
    for (const peer of this.peers()) {
      if (remaining <= 0) return;
      remaining -= peer.notifyLocal(queue, remaining, fresh);
    }
  }

  /**
   * The instance may have changed. `mayHaveEnded` = false when the change is known not to have
   * ended it (a turn that left it running, a message delivered to it): waits for its end stay.
   */
  notifyInstance(instanceId: string, mayHaveEnded = true): void {
    for (const peer of this.peers()) peer.notifyInstanceLocal(instanceId, mayHaveEnded);
  }

  /**
   * A turn of `instanceId` committed and sent messages to the other `touched` instances: all of
   * them changed, and only the acked one may have ended (see `ackMayEndInstance`).
   */
  notifyTurn(instanceId: string, ack: OrchestrationAck, touched: Iterable<string>): void {
    const ended = ackMayEndInstance(ack);
    for (const id of touched) this.notifyInstance(id, ended && id === instanceId);
  }

  /** Every instance may have changed (a notification was too large, or may have been missed). */
  notifyAllInstances(): void {
    for (const peer of this.peers()) peer.notifyAllInstancesLocal();
  }

  /** Everything may have changed: e.g. after a lost connection, notifications may be lost. */
  notifyAll(): void {
    this.notify('orchestrator');
    this.notify('worker');
    this.notifyAllInstances();
  }

  /** Work on `queue` becomes visible at `atMs`; keeps one timer for the earliest such time. */
  scheduleAt(queue: QueueKind, atMs: number): void {
    for (const peer of this.peers()) peer.scheduleLocal(queue, atMs);
  }

  /** Wakes up to `count` waiters (oldest first); returns how many were woken. */
  private notifyLocal(queue: QueueKind, count: number, fresh: boolean): number {
    if (this.closed || count <= 0) return 0;
    if (fresh) this.epochs[queue]++;
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

  private notifyInstanceLocal(instanceId: string, mayHaveEnded: boolean): void {
    this.instanceChanges.notify(instanceId);
    if (mayHaveEnded) this.instanceEnds.notify(instanceId);
  }

  private notifyAllInstancesLocal(): void {
    this.instanceChanges.wakeAll();
    this.instanceEnds.wakeAll();
  }

  /** Like `scheduleAt`, for this signal only. */
  protected scheduleLocal(queue: QueueKind, atMs: number): void {
    if (this.closed) return;
    const now = this.clock.now();
    if (atMs <= now) {
      this.notifyLocal(queue, Number.POSITIVE_INFINITY, true);
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
    if (this.clock.now() >= due) this.notifyLocal(queue, Number.POSITIVE_INFINITY, true);
    // Fired early (delays are capped): keep the item's time even if the look-up below fails.
    else this.scheduleLocal(queue, due);
    this.onTimerFired(queue);
  }

  /** The clock jumped: fire the timers it passed (their wall-time delays no longer apply). */
  private clockAdvanced(): void {
    const now = this.clock.now();
    for (const queue of ['orchestrator', 'worker'] as const) {
      const timer = this.queues[queue].timer;
      if (timer === undefined || timer.at > now) continue;
      clearTimeout(timer.handle);
      this.fire(queue);
    }
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

  /**
   * Resolves on the next change notice of the instance (with `filter` 'end': the next one that
   * may have ended it), timeout or abort.
   */
  waitForInstanceChange(
    instanceId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    filter: InstanceChangeFilter = 'any',
  ): Promise<void> {
    if (this.closed) return Promise.resolve();
    const waiters = filter === 'end' ? this.instanceEnds : this.instanceChanges;
    return waiters.wait(instanceId, timeoutMs, signal);
  }

  /** Clears timers and releases every waiter. */
  close(): void {
    this.closed = true;
    this.stopFollowingClock?.();
    for (const state of Object.values(this.queues)) {
      if (state.timer !== undefined) clearTimeout(state.timer.handle);
      state.timer = undefined;
      for (const wake of [...state.waiters]) wake();
    }
    this.notifyAllInstancesLocal();
  }
}
