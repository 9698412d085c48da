/**
 * SQLite's wake-up signals (see ../wake-signal.ts): providers of one process that open the
 * same file share their signals (a client and a runtime may each open their own), and a fired
 * timer looks the next delayed message up synchronously. Work written by other processes is
 * found by the callers' poll timeouts.
 */
import type { Clock } from '../../core/clock.js';
import type { QueueKind } from '../../core/provider.js';
import { WakeSignal } from '../wake-signal.js';

/**
 * Finds the earliest visible time after `afterMs` of work on `queue` (null if none), so a fired
 * timer can re-arm for the next delayed message.
 */
export type NextDueLookup = (queue: QueueKind, afterMs: number) => number | null;

/** Signals of the providers of this process, by database file. */
const channels = new Map<string, Set<WakeSignals>>();

/** Wake-up signals for the two queues and for instance changes, shared per database file. */
export class WakeSignals extends WakeSignal {
  /**
   * @param nextDueAt finds the next delayed work in the database.
   * @param channel the database file; signals of providers on the same file are shared.
   * @param clock the store's time.
   */
  constructor(
    private readonly nextDueAt: NextDueLookup,
    private readonly channel: string | undefined,
    clock: Clock,
  ) {
    super(clock);
    if (channel === undefined) return;
    let peers = channels.get(channel);
    if (peers === undefined) {
      peers = new Set();
      channels.set(channel, peers);
    }
    peers.add(this);
  }

  protected override peers(): Iterable<WakeSignal> {
    return (this.channel === undefined ? undefined : channels.get(this.channel)) ?? [this];
  }

  protected override onTimerFired(queue: QueueKind): void {
    this.rearm(queue);
  }

  /**
   * Arms the timer for the earliest stored message visible after `afterMs`. At open that is
   * every stored message (pass 0): wake-ups sent before this provider existed were missed.
   */
  rearm(queue: QueueKind, afterMs = this.clock.now()): void {
    let next: number | null = null;
    try {
      next = this.nextDueAt(queue, afterMs);
    } catch {
      // A busy or closing database only costs a late wake-up; dispatchers also poll.
    }
    if (next !== null) this.scheduleLocal(queue, next);
  }

  /** Clears timers, releases every waiter and leaves the channel. */
  override close(): void {
    if (this.channel !== undefined) {
      const peers = channels.get(this.channel);
      peers?.delete(this);
      if (peers?.size === 0) channels.delete(this.channel);
    }
    super.close();
  }
}
