/**
 * PostgreSQL's wake-up signals (see ../wake-signal.ts) and their wiring: the provider feeds
 * them from its own writes (at once) and from NOTIFYs of other providers on the schema (one
 * LISTEN connection, see listener.ts), whose payloads are read here. Timers are armed from the
 * store: at connect, after a reconnect, and after one fired, asynchronously.
 */
import type pg from 'pg';
import type { Clock } from '../../core/clock.js';
import type { QueueKind } from '../../core/provider.js';
import { WakeSignal } from '../wake-signal.js';
import { NotificationListener } from './listener.js';
import type { NextVisible } from './queries/next-visible-at.js';

/** Looks up the earliest item of each queue visible after `afterMs`. */
export type NextVisibleLookup = (afterMs: number) => Promise<NextVisible>;

/** A NOTIFY payload as notify_work() builds it (see 000002-functions.sql). */
interface WorkNotice {
  /** The sending provider's origin. */
  s?: string;
  /** Orchestrator items ready now, and the earliest delayed one. */
  o?: number;
  od?: number | null;
  /** Worker items ready now, and the earliest delayed one. */
  w?: number;
  wd?: number | null;
  /** Changed instances ('*': too many to list). */
  i?: string[] | '*' | null;
}

export class WakeSignals extends WakeSignal {
  /**
   * @param nextVisible looks up the next delayed items in the store.
   * @param origin this provider's origin: its own NOTIFYs were signalled locally already.
   * @param holds whether a turn of the instance runs here (its messages wake nobody yet).
   * @param clock the store's time.
   */
  constructor(
    private readonly nextVisible: NextVisibleLookup,
    private readonly origin: string,
    private readonly holds: (instanceId: string) => boolean,
    clock: Clock,
  ) {
    super(clock);
  }

  /** After a queue's timer fired: arms it for the next item still delayed. */
  protected override onTimerFired(queue: QueueKind): void {
    void this.armFromStore([queue], this.clock.now());
  }

  /**
   * Wakes `queues` for the earliest item in the store visible after `afterMs`, or arms their
   * timers for it (best effort). An item that became visible while the query ran wakes at once:
   * its writer announced only its due time, which this provider may have dropped for an
   * earlier timer.
   */
  async armFromStore(queues: readonly QueueKind[], afterMs: number): Promise<void> {
    if (this.closed) return;
    try {
      const next = await this.nextVisible(afterMs);
      for (const queue of queues) {
        const at = next[queue];
        if (at !== null) this.scheduleAt(queue, at);
      }
    } catch {
      // A failed look-up only costs a late wake-up; dispatchers also poll.
    }
  }

  /** Wakes waiters on `queue` now, or arms the timer for `visibleAt`. */
  signalQueue(queue: QueueKind, visibleAt: number): void {
    if (visibleAt <= this.clock.now()) this.notify(queue, 1);
    else this.scheduleAt(queue, visibleAt);
  }

  /** Wakes orchestrator dispatchers for new messages of `instanceId`, unless a local turn holds it. */
  signalOrchestratorMessage(instanceId: string, visibleAt: number): void {
    if (visibleAt <= this.clock.now() && this.holds(instanceId)) return;
    this.signalQueue('orchestrator', visibleAt);
  }

  /**
   * Starts the LISTEN connection on `channel` and arms the timers from the store: announcements
   * sent before the LISTEN were missed (as after a reconnect), so every stored item counts
   * (0: times are epoch ms). Awaited: an answer arriving after the caller's first writes would
   * wake its waiters for those once more.
   */
  async listen(config: pg.ClientConfig | null, channel: string): Promise<NotificationListener | null> {
    let listener: NotificationListener | null = null;
    if (config !== null) {
      listener = new NotificationListener(config, channel, {
        onNotification: (payload) => this.onNotification(payload),
        onReconnect: () => this.notifyAll(),
      });
      await listener.start();
    }
    await this.armFromStore(['orchestrator', 'worker'], 0);
    return listener;
  }

  /** A NOTIFY from another provider (this process or another) on this schema. */
  onNotification(payload: string): void {
    let notice: WorkNotice;
    try {
      notice = JSON.parse(payload) as WorkNotice;
    } catch {
      return;
    }
    // This provider signalled its own writes locally already.
    if (notice.s === this.origin) return;
    const allHeld =
      Array.isArray(notice.i) && notice.i.length > 0 && notice.i.filter((id) => !this.holds(id)).length === 0;
    if (typeof notice.o === 'number' && notice.o > 0 && !allHeld) this.notify('orchestrator', notice.o);
    if (typeof notice.od === 'number') this.scheduleAt('orchestrator', notice.od);
    if (typeof notice.w === 'number' && notice.w > 0) this.notify('worker', notice.w);
    if (typeof notice.wd === 'number') this.scheduleAt('worker', notice.wd);
    if (notice.i === '*') this.notifyAllInstances();
    else if (Array.isArray(notice.i)) for (const id of notice.i) this.notifyInstance(id);
  }
}
