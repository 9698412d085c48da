/**
 * Eager dispatch and held turns on PostgreSQL (docs/performance.md, "Issue 17"): the provider's
 * `ackOrchestrationItemEager` and `ackHeldTurn`. Each is one call of its function in
 * 000007-held-turns.sql, outside the ack pipeline's batches: the activity leases it locks are
 * for this caller alone. (The runtime takes these paths only while it has idle worker slots;
 * busy, it acks through the batched `ackOrchestrationItem`.)
 *
 * Around the call: the lease ledger keeps a held instance lease (so messages for the instance
 * wake no dispatcher here while the lease is kept, and the one owed is sent when it ends), and
 * this process's dispatchers learn at once about the work a commit left for others.
 */
import { InvalidInputError, LockLostError } from '../../core/errors.js';
import type {
  EagerAckResult,
  EagerWorkRequest,
  HeldCompletion,
  HeldTurnResult,
  OrchestrationAck,
} from '../../core/provider.js';
import type { Run } from './connection.js';
import type { LeaseSupply } from './handoff.js';
import type { LeaseLedger } from './lease-ledger.js';
import { instanceOfLockToken, rowOfLockToken } from './lock-tokens.js';
import { ackHeldTurn, type HeldTurnOutcome } from './queries/ack-held-turn.js';
import { ackOrchestrationItemEager, type EagerAckEffects } from './queries/ack-orchestration-item-eager.js';
import type { QueryContext } from './queries/context.js';
import type { WakeSignals } from './wakeups.js';

export interface EagerAcksDeps {
  ctx: QueryContext;
  run: Run;
  wake: WakeSignals;
  ledger: LeaseLedger;
  supply: LeaseSupply;
}

export class EagerAcks {
  constructor(private readonly deps: EagerAcksDeps) {}

  /** See `QueueProvider.ackOrchestrationItemEager`. */
  async ackEager(lockToken: string, ack: OrchestrationAck, eager: EagerWorkRequest): Promise<EagerAckResult> {
    const { ctx, run, ledger, supply } = this.deps;
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    // No ack-and-fetch-next here: the lease's fetch profile is of no further use.
    supply.forgetProfile(lockToken);
    const nowMs = ctx.options.clock.now();
    let effects: EagerAckEffects | null;
    try {
      effects = await run('ackOrchestrationItem', (db) =>
        ackOrchestrationItemEager(ctx, db, { instanceId, lockToken, ack, nowMs, eager }),
      );
    } catch (err) {
      // A failed ack may have lost the lease (or keep it): either way, stop suppressing wake-ups.
      ledger.release(instanceId, lockToken);
      throw err;
    }
    if (effects === null) {
      ledger.release(instanceId, lockToken);
      throw new LockLostError('orchestration lock expired or is unknown; the turn was not committed', {
        instanceId,
      });
    }
    return this.afterCommit(instanceId, lockToken, ack, nowMs, effects);
  }

  /** See `QueueProvider.ackHeldTurn`. */
  async ackHeld(
    lockToken: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): Promise<HeldTurnResult> {
    const { ctx, run, wake, ledger, supply } = this.deps;
    const { completion, workLockToken } = completed;
    const workRowId = rowOfLockToken(workLockToken);
    if (workRowId === null) throw new LockLostError('activity lock token is malformed');
    if (typeof completion?.instance !== 'string') {
      throw new InvalidInputError('an activity completion must name its target instance');
    }
    // A malformed token is no live lease: the store acks the activity alone ('released').
    const instanceId = instanceOfLockToken(lockToken) ?? completion.instance;
    supply.forgetProfile(lockToken);
    supply.forgetProfile(workLockToken);
    const nowMs = ctx.options.clock.now();
    let result: HeldTurnOutcome;
    try {
      result = await run('ackHeldTurn', (db) =>
        ackHeldTurn(ctx, db, {
          instanceId,
          lockToken,
          ack,
          nowMs,
          workRowId,
          workLockToken,
          completion,
          eager,
        }),
      );
    } catch (err) {
      ledger.release(instanceId, lockToken);
      throw err;
    }
    switch (result.outcome) {
      case 'lost':
        // Nothing was written and the kept lease is still this provider's until it expires
        // (the ledger lets go then, see LeaseLedger.keep).
        throw new LockLostError('activity lock expired, or the activity was withdrawn');
      case 'released':
        // Also sends the wake-up owed for messages that waited during the hold, if one was skipped.
        ledger.release(instanceId, lockToken);
        wake.signalOrchestratorMessage(completion.instance, nowMs);
        wake.notifyInstance(completion.instance);
        return { outcome: 'released' };
      case 'committed':
        return {
          outcome: 'committed',
          ...this.afterCommit(instanceId, lockToken, ack, nowMs, result.effects),
        };
    }
  }

  /**
   * After an eager or held ack committed: the ledger keeps a held lease or forgets a released
   * one, and this process's dispatchers learn about the work the turn left for others, as
   * after a batched ack (ack-pipeline.ts `signalCommit`).
   */
  private afterCommit(
    instanceId: string,
    lockToken: string,
    ack: OrchestrationAck,
    nowMs: number,
    effects: EagerAckEffects,
  ): EagerAckResult {
    const { wake, ledger } = this.deps;
    const { heldUntilMs } = effects;
    if (heldUntilMs === null) ledger.release(instanceId, lockToken);
    else ledger.keep(instanceId, lockToken, heldUntilMs);
    const visible = ack.orchestratorItems.filter(({ visibleAtMs }) => (visibleAtMs ?? nowMs) <= nowMs);
    let orchestrator = 0;
    // Messages for instances whose turn runs here wake nobody yet (their ack will).
    for (const { item } of visible) if (!ledger.holds(item.instance)) orchestrator++;
    // Beyond the new items: messages that waited for this turn's lease (released now).
    if (effects.orchestratorReady > visible.length) orchestrator++;
    if (orchestrator > 0) wake.notify('orchestrator', orchestrator);
    if (effects.orchestratorDueAt !== null) wake.scheduleAt('orchestrator', effects.orchestratorDueAt);
    // Only the new activities left unlocked: the locked ones go to the caller's slots.
    if (effects.workerReady > 0) wake.notify('worker', effects.workerReady);
    for (const touched of effects.touchedInstances) wake.notifyInstance(touched);
    return { leases: effects.leases, ...(heldUntilMs === null ? {} : { heldUntilMs }) };
  }
}
