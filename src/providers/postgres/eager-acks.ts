/**
 * Eager dispatch and held turns on PostgreSQL (docs/performance.md, "Issue 17"): the provider's
 * `ackOrchestrationItemEager` and `ackHeldTurn`. Concurrent calls of both are group-committed
 * together (batcher.ts) in one call of `ack_eager_turns` (000007-held-turns.sql), apart from
 * the ack pipeline's batches: the activity leases such an ack locks are for its caller alone.
 * (The runtime takes these paths while it has idle worker slots; busy, it acks through the
 * batched `ackOrchestrationItem`, whose calls fetch their next items ahead.)
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
import { Batcher, type BatcherOptions } from './batcher.js';
import type { Run } from './connection.js';
import type { LeaseSupply } from './handoff.js';
import type { LeaseLedger } from './lease-ledger.js';
import { instanceOfLockToken, rowOfLockToken } from './lock-tokens.js';
import {
  ackEagerTurns,
  type EagerAckEffects,
  type EagerTurnOutcome,
  type EagerTurnRequest,
} from './queries/ack-eager-turns.js';
import type { QueryContext } from './queries/context.js';
import type { WakeSignals } from './wakeups.js';

export interface EagerAcksDeps {
  ctx: QueryContext;
  run: Run;
  wake: WakeSignals;
  ledger: LeaseLedger;
  supply: LeaseSupply;
}

/** Group commit, as the ack pipeline's (see ack-pipeline.ts). */
const EAGER_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 64 };

export class EagerAcks {
  private readonly turns: Batcher<EagerTurnRequest, EagerTurnOutcome>;

  constructor(private readonly deps: EagerAcksDeps) {
    const { ctx, run } = deps;
    this.turns = new Batcher(EAGER_BATCHING, (requests) =>
      run('ackOrchestrationItemEager', (db) =>
        ackEagerTurns(ctx, db, { nowMs: ctx.options.clock.now(), requests }),
      ),
    );
  }

  /** See `QueueProvider.ackOrchestrationItemEager`. */
  async ackEager(lockToken: string, ack: OrchestrationAck, eager: EagerWorkRequest): Promise<EagerAckResult> {
    const { ledger, supply } = this.deps;
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    // No ack-and-fetch-next here: the lease's fetch profile is of no further use.
    supply.forgetProfile(lockToken);
    let result: EagerTurnOutcome;
    try {
      result = await this.turns.submit({ instanceId, lockToken, ack, eager });
    } catch (err) {
      // A failed ack may have lost the lease (or keep it): either way, stop suppressing wake-ups.
      ledger.release(instanceId, lockToken);
      throw err;
    }
    if (result.outcome !== 'committed') {
      ledger.release(instanceId, lockToken);
      throw new LockLostError('orchestration lock expired or is unknown; the turn was not committed', {
        instanceId,
      });
    }
    return this.afterCommit(instanceId, lockToken, ack, result.effects);
  }

  /** See `QueueProvider.ackHeldTurn`. */
  async ackHeld(
    lockToken: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): Promise<HeldTurnResult> {
    const { ctx, wake, ledger, supply } = this.deps;
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
    let result: EagerTurnOutcome;
    try {
      result = await this.turns.submit({
        instanceId,
        lockToken,
        ack,
        eager,
        held: { rowId: workRowId, lockToken: workLockToken, completion },
      });
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
        wake.signalOrchestratorMessage(completion.instance, ctx.options.clock.now());
        wake.notifyInstance(completion.instance);
        return { outcome: 'released' };
      case 'committed':
        return { outcome: 'committed', ...this.afterCommit(instanceId, lockToken, ack, result.effects) };
      case 'not-acked':
        // Not possible: the held turn is applied only under its checked, locked lease.
        ledger.release(instanceId, lockToken);
        throw new LockLostError('orchestration lock expired or is unknown; the turn was not committed', {
          instanceId,
        });
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
    effects: EagerAckEffects,
  ): EagerAckResult {
    const { ctx, wake, ledger } = this.deps;
    const nowMs = ctx.options.clock.now();
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
    wake.notifyTurn(instanceId, ack, effects.touchedInstances);
    return { leases: effects.leases, ...(heldUntilMs === null ? {} : { heldUntilMs }) };
  }
}
