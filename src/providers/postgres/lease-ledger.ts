/**
 * The lease ledger: instances whose orchestration lease this provider holds (fetched, not yet
 * acked or abandoned), by lock token, with the lease's expiry. Messages for them cannot be
 * fetched until the turn ends — and its ack announces them — so their arrival wakes no
 * orchestrator dispatcher here. Without this, a fan-out's completions would each send an idle
 * dispatcher to the store for nothing while the parent's turn runs.
 *
 * Entries go when the turn is acked or abandoned, or on the first look after their lease ran
 * out; a turn that is never acked leaves one small entry behind.
 */

import type { Clock } from '../../core/clock.js';

interface HeldLease {
  token: string;
  until: number;
  /** A wake-up was skipped for the instance while the lease was held. */
  missed: boolean;
}

export class LeaseLedger {
  private readonly held = new Map<string, HeldLease>();

  /**
   * @param onMissed makes up for a skipped wake-up when the lease ends (one orchestrator wake).
   * @param clock the store's time, which lease expiries are in.
   */
  constructor(
    private readonly onMissed: () => void,
    private readonly clock: Clock,
  ) {}

  /** This provider now holds the instance's lease `token` until `until`. */
  hold(instanceId: string, token: string, until: number): void {
    this.held.set(instanceId, { token, until, missed: false });
  }

  /**
   * A held turn (held-turns.ts) kept the lease `token` until `until`. A wake-up skipped during
   * the turn stays owed: the messages behind it still wait. Should the lease simply run out
   * (its activity's result went the usual way), the entry goes at its expiry, sending that
   * wake-up then: nothing else would, the lease's expiry being announced to no one.
   */
  keep(instanceId: string, token: string, until: number): void {
    const held = this.held.get(instanceId);
    if (held !== undefined && held.token === token) held.until = until;
    else this.held.set(instanceId, { token, until, missed: false });
    const timer = setTimeout(
      () => {
        const current = this.held.get(instanceId);
        if (current !== undefined && current.token === token && current.until <= this.clock.now()) {
          this.release(instanceId, token);
        }
      },
      Math.max(0, until - this.clock.now()) + 1,
    );
    timer.unref?.();
  }

  /** A renewal moved the lease's expiry. */
  extend(instanceId: string, until: number): void {
    const held = this.held.get(instanceId);
    if (held !== undefined) held.until = until;
  }

  /** True while this provider holds a (probably) live lease of the instance; no side effects. */
  heldNow(instanceId: string, now: number): boolean {
    const held = this.held.get(instanceId);
    return held !== undefined && held.until > now;
  }

  /**
   * True while this provider holds a (probably) live lease of the instance; the caller is about
   * to skip a wake-up for it, which is remembered and made up for when the lease ends.
   */
  holds(instanceId: string): boolean {
    const held = this.held.get(instanceId);
    if (held === undefined) return false;
    if (held.until > this.clock.now()) {
      held.missed = true;
      return true;
    }
    this.release(instanceId);
    return false;
  }

  /**
   * Forgets a lease this provider held. A message may have arrived for the instance too late for
   * the turn's ack to see it (another process committed it meanwhile): if a wake-up was skipped
   * for it, one is sent now.
   */
  release(instanceId: string, lockToken?: string): void {
    const held = this.held.get(instanceId);
    // A newer lease of the instance (fetched by the same call that acked the old one) stays.
    if (held === undefined || (lockToken !== undefined && held.token !== lockToken)) return;
    this.held.delete(instanceId);
    if (held.missed) this.onMissed();
  }
}
