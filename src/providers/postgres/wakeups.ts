/**
 * PostgreSQL's wake-up signals (see ../wake-signal.ts): the provider feeds them from its own
 * writes (at once) and from NOTIFYs of other providers on the schema (see listener.ts), whose
 * payloads are read here. A fired timer looks the next delayed item up asynchronously.
 */
import type { QueueKind } from '../../core/provider.js';
import { WakeSignal } from '../wake-signal.js';

/** Called after a queue's timer fired, to look up (asynchronously) the next delayed item. */
export type RearmHook = (queue: QueueKind) => void;

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
   * @param rearm looks up the next delayed item after a timer fired.
   * @param origin this provider's origin: its own NOTIFYs were signalled locally already.
   * @param holds whether a turn of the instance runs here (its messages wake nobody yet).
   */
  constructor(
    private readonly rearm: RearmHook,
    private readonly origin: string,
    private readonly holds: (instanceId: string) => boolean,
  ) {
    super();
  }

  protected override onTimerFired(queue: QueueKind): void {
    this.rearm(queue);
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
