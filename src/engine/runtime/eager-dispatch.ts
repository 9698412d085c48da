/**
 * Eager dispatch: activity items a turn schedules go straight to idle worker slots of the same
 * runtime, without a fetch round trip (and, on SQLite, without the fetch's write transaction).
 *
 * Design (docs/performance.md, "Eager dispatch"):
 *
 * 1. Before committing a turn that schedules activities, the orchestration dispatcher reserves
 *    free worker slots here (`reserve`): slots not running an activity (waiting for work or in
 *    the middle of a fetch), minus slots already reserved by other turns and leases already
 *    handed over but not yet picked up. Slots poll in step, so at any moment all of them may be
 *    in a fetch: counting only waiting ones would often find none.
 * 2. It commits with `provider.ackOrchestrationItemEager(token, ack, { maxItems: reserved, … })`
 *    (an optional provider capability). The provider locks up to that many of the items it just
 *    enqueued IN THE ACK'S TRANSACTION, exactly as a fetch would (new lock token, lease, attempt
 *    count + 1). So the peek-lock rules are untouched: no other worker or process can fetch a
 *    locked item; if this process dies, the lease expires and any worker runs the item again
 *    (at-least-once); the activity is acked, renewed and abandoned with its token as usual. Items
 *    it did not lock (no idle slot, a session, another tag, skipped) stay in the queue, visible.
 * 3. The leases are queued here (`deliver`) and the reserved slots woken; a slot takes a handed
 *    lease before it fetches. The reservation is released whatever the ack's outcome.
 * 4. A slot may get other work between reservation and delivery (a wake-up raced it); the lease
 *    then waits for the next free slot, which checks this queue first. Its lease runs from the
 *    ack, and renewals start when the activity starts, so the wait is bounded by the runtime's
 *    own activities; at worst the lease expires and the item is delivered again.
 * 5. On shutdown, leases not yet picked up are abandoned without counting an attempt.
 */
import type { WorkItemLease } from '../../core/provider.js';

// The reason a woken slot's signal carries. Without one, abort() builds a DOMException (with a
// stack) per wake-up, a measurable share of a step's CPU; nobody reads the reason.
const HANDED_OVER = 'lease handed over';

export class EagerHandoff {
  /** Slots waiting for work; aborting one's controller wakes it. */
  private readonly idle = new Set<AbortController>();
  /** Slots running (`slotStarted` … `slotStopped`). */
  private slots = 0;
  /** Slots running an activity (`executing`). */
  private busy = 0;
  private reserved = 0;
  private readonly handed: WorkItemLease[] = [];
  private closed = false;

  /** A slot's loop began. */
  slotStarted(): void {
    this.slots++;
  }

  /** A slot's loop ended. */
  slotStopped(): void {
    this.slots--;
  }

  /** Runs a slot's activity; the slot is not free meanwhile. */
  async executing(run: () => Promise<void>): Promise<void> {
    this.busy++;
    try {
      await run();
    } finally {
      this.busy--;
    }
  }

  /** Reserves up to `max` free slots for a turn's new activities; returns how many. */
  reserve(max: number): number {
    if (this.closed) return 0;
    const free = this.slots - this.busy - this.reserved - this.handed.length;
    const n = Math.max(0, Math.min(max, free));
    this.reserved += n;
    return n;
  }

  /**
   * Hands over the leases an eager ack locked and releases its `reserved` slots (call it on
   * failure too, with no leases), waking `wake` idle slots (default: one per lease; fewer when
   * the caller is a slot that takes one itself as soon as it is free — a woken slot that finds
   * the lease gone would ask the store in vain). Returns the leases nobody will run (the
   * runtime stopped): the caller gives them back.
   */
  deliver(leases: readonly WorkItemLease[], reserved: number, wakeCount = leases.length): WorkItemLease[] {
    this.reserved = Math.max(0, this.reserved - reserved);
    if (leases.length === 0) return [];
    if (this.closed) return [...leases];
    this.handed.push(...leases);
    let wake = wakeCount;
    for (const waiter of this.idle) {
      if (wake-- <= 0) break;
      this.idle.delete(waiter);
      waiter.abort(HANDED_OVER);
    }
    return [];
  }

  /** The next handed-over lease, if any. */
  take(): WorkItemLease | undefined {
    return this.handed.shift();
  }

  /**
   * Waits as an idle slot: `wait` gets a signal that aborts when a lease is handed to this slot
   * or the runtime stops.
   */
  async idleWait(wait: (signal: AbortSignal) => Promise<void>, stop: AbortSignal): Promise<void> {
    if (this.handed.length > 0 || stop.aborted) return;
    const waiter = new AbortController();
    const onStop = (): void => waiter.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    this.idle.add(waiter);
    try {
      await wait(waiter.signal);
    } finally {
      this.idle.delete(waiter);
      stop.removeEventListener('abort', onStop);
    }
  }

  /** Stops accepting leases; returns those handed over but never picked up. */
  close(): WorkItemLease[] {
    this.closed = true;
    return this.handed.splice(0);
  }
}
