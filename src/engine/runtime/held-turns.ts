/**
 * Held turns: one commit per step for an orchestration whose activities run in its own runtime.
 *
 * With eager dispatch alone (eager-dispatch.ts), a step of a sequential orchestration costs
 * three commits on one instance: the turn's ack (which also locks the new activity for an idle
 * local slot), the activity's ack (which enqueues its completion), and the next fetch (which
 * takes the instance's lease). Held turns fold the last two into the next turn's ack:
 *
 * 1. When a turn schedules exactly one activity, leaves the execution running and sends itself
 *    no message (a timer, say), the dispatcher asks the provider to keep the instance's lease
 *    for `instanceHoldMs` (`EagerWorkRequest.holdInstanceMs`). If the provider locked the
 *    activity for a local slot, it keeps the lease and reports its expiry; the dispatcher parks
 *    the turn's live execution here, keyed by the activity's lock token, instead of in the
 *    instance cache.
 * 2. When that activity finishes on this runtime within the hold, its worker slot runs the
 *    instance's next turn right away, with the result as its only message, and commits it with
 *    `provider.ackHeldTurn`: one transaction deletes the activity item under its lease, writes
 *    the turn and (again) locks its next activity and keeps the lease.
 * 3. The provider refuses the turn when the lease expired or when other messages wait for the
 *    instance (an event, a timer that fired): it then acks the activity as `ackWorkItem` would
 *    and lets the lease go, and the turn runs the usual way with every message. So a message
 *    for a held instance waits at most `instanceHoldMs`, or until the activity ends.
 *
 * Guarantees are those of a fetch: the kept lease excludes every other dispatcher, here or in
 * another process, and expires by itself if this process dies (the activity's lease too, so
 * it runs again: at-least-once); history is only written by a turn's ack (exactly-once).
 */
import type { ExecutionState, OrchestrationHandler } from '../replay/execution.js';
import type { OrchestratorWorkItem } from '../../core/history.js';
import type { WorkItemLease } from '../../core/provider.js';

/** A committed turn whose instance lease this runtime kept for its one activity. */
export interface HeldTurn {
  instanceId: string;
  /** The kept instance lease. */
  lockToken: string;
  /** When the kept lease expires (the provider's clock). */
  heldUntilMs: number;
  /** The live execution after the turn (owned here, not by the instance cache). */
  exec: ExecutionState;
  handler: OrchestrationHandler;
}

/** How a worker slot's activity result was committed through a held turn. */
export type HeldCompletionOutcome =
  /** Committed (with the next turn, or alone when the provider let the lease go). */
  | 'ok'
  /** The activity's lease was gone: the result was dropped, as `ackWorkItem` would. */
  | 'lost'
  /** No held turn could take it: the caller acks the activity as usual. */
  | 'not-held';

/** What the worker dispatcher hands activity results to (the orchestration dispatcher). */
export interface HeldTurnSink {
  /** Commits `completion` with the next turn of the instance held for `lease`, if any. */
  completeHeld(lease: WorkItemLease, completion: OrchestratorWorkItem): Promise<HeldCompletionOutcome>;
  /** The activity of `lockToken` ended without a result: its held turn, if any, lets go. */
  forgetHeld(lockToken: string): void;
}
