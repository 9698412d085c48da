/**
 * The ack pipeline: turn acks and activity completions of this process, coalesced into one
 * ack_and_fetch call per batch (see batcher.ts). The same call fetches the next item of each
 * acking dispatcher slot (see prefetch.ts), and work the batch creates for idle dispatcher
 * slots of this process (handoff: an ack's new activities go straight to an idle worker slot,
 * a completion's orchestration to an idle orchestrator slot). After the commit, this process's
 * dispatchers learn about the new work without waiting for the NOTIFY.
 */
import { Batcher, type BatcherOptions } from './batcher.js';
import type { Run } from './connection.js';
import {
  orchestratorKey,
  shapeKey,
  sharedWorkerKey,
  workerKey,
  type LeaseSupply,
  type WorkProfile,
} from './handoff.js';
import type { HistoryCache } from './history-cache.js';
import type { LeaseLedger } from './lease-ledger.js';
import {
  ackAndFetch,
  type AckAndFetchInput,
  type AckAndFetchResult,
  type AckEffects,
  type AckRequest,
  type AckWorkRequest,
} from './queries/ack-and-fetch.js';
import type { QueryContext } from './queries/context.js';
import type { WakeSignals } from './wakeups.js';

/** Group commit: at most two batches in flight (see handoff.ts for fetches). */
const ACK_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 64 };

export interface OrchestrationAckRequest extends AckRequest {
  /** Lock timeout of the next turn to fetch in the same call, if any. */
  prefetch?: number;
}

export interface WorkAckRequest extends AckWorkRequest {
  /** How to fetch the next item in the same call, if any. */
  prefetch?: WorkProfile;
}

export interface AckPipelineDeps {
  ctx: QueryContext;
  run: Run;
  wake: WakeSignals;
  ledger: LeaseLedger;
  supply: LeaseSupply;
  historyCache: HistoryCache;
}

type PendingAck =
  { kind: 'turn'; request: OrchestrationAckRequest } | { kind: 'completion'; request: WorkAckRequest };

export class AckPipeline {
  /** Turn acks and activity completions, coalesced together (one transaction per batch). */
  private readonly acks: Batcher<PendingAck, AckEffects | boolean | null>;

  constructor(private readonly deps: AckPipelineDeps) {
    this.acks = new Batcher(ACK_BATCHING, async (pending) => {
      const turns = pending.flatMap((p) => (p.kind === 'turn' ? [p.request] : []));
      const completions = pending.flatMap((p) => (p.kind === 'completion' ? [p.request] : []));
      const result = await this.commit(turns, completions);
      let turn = 0;
      let completion = 0;
      return pending.map((p) =>
        p.kind === 'turn' ? (result.turns[turn++] ?? null) : (result.completions[completion++] ?? false),
      );
    });
  }

  /** Commits a turn; null when its lease was lost. */
  async ackTurn(request: OrchestrationAckRequest): Promise<AckEffects | null> {
    return (await this.acks.submit({ kind: 'turn', request })) as AckEffects | null;
  }

  /** Commits an activity's completion; false when its lease was lost. */
  async ackCompletion(request: WorkAckRequest): Promise<boolean> {
    return (await this.acks.submit({ kind: 'completion', request })) as boolean;
  }

  /**
   * Commits turn acks and completions in one round trip, fetching in the same call the next item
   * of each acking dispatcher slot, and work the batch creates for idle dispatcher slots.
   */
  private async commit(
    turns: OrchestrationAckRequest[],
    completions: WorkAckRequest[],
  ): Promise<{ turns: (AckEffects | null)[]; completions: boolean[] }> {
    const { ctx, run, wake, ledger, supply, historyCache } = this.deps;
    const nowMs = ctx.options.clock.now();
    const input: AckAndFetchInput = { nowMs, turns, completions };

    // Orchestration batches: one per acking slot, plus one per idle slot a completion may feed.
    const orchestratorTimeout =
      turns.find((turn) => turn.prefetch !== undefined)?.prefetch ?? supply.lastOrchestratorLockTimeoutMs;
    const ownTurns = turns.filter(
      (turn) => turn.prefetch !== undefined && turn.prefetch === orchestratorTimeout,
    );
    let handoffTurns = 0;
    if (orchestratorTimeout !== undefined && supply.dispatchers.orchestrator.dispatching) {
      // Completions of instances whose turn runs here cannot be fetched yet.
      const fed = completions.filter(
        (c) => c.completion !== null && !ledger.heldNow(c.completion.instance, nowMs),
      ).length;
      handoffTurns = Math.min(fed, wake.waiters('orchestrator'));
    }
    const orchestrationCount = ownTurns.length + handoffTurns;
    if (orchestratorTimeout !== undefined && orchestrationCount > 0 && !supply.orchestratorSkipping) {
      input.orchestrations = {
        lockTimeoutMs: orchestratorTimeout,
        count: orchestrationCount,
        cache: historyCache,
      };
    }

    // Activities: one per acking worker slot (its own session owner), plus session-less ones for
    // idle worker slots, as many as the turns schedule.
    const shape =
      completions.find((c) => c.prefetch !== undefined)?.prefetch?.shape ?? supply.lastWorkerShape;
    const ownProfiles = completions
      .map((c) => c.prefetch)
      .filter(
        (p): p is WorkProfile =>
          p !== undefined && shape !== undefined && shapeKey(p.shape) === shapeKey(shape),
      );
    let handoffActivities = 0;
    if (shape !== undefined && supply.dispatchers.worker.dispatching) {
      const scheduled = turns.reduce((sum, turn) => sum + turn.ack.workerItems.length, 0);
      handoffActivities = Math.min(scheduled, wake.waiters('worker'));
    }
    const ownerIds = [
      ...ownProfiles.map((p) => p.ownerId),
      ...Array.from({ length: handoffActivities }, () => null),
    ];
    // A fetch with a skip list is never done ahead (see LeaseSupply.orchestratorSkipping).
    if (shape !== undefined && shape.skip.length === 0 && ownerIds.length > 0)
      input.activities = { shape, ownerIds };

    const orchestratorEpoch = wake.epoch('orchestrator');
    const workerEpoch = wake.epoch('worker');
    const result = await run(turns.length > 0 ? 'ackOrchestrationItem' : 'ackWorkItem', (db) =>
      ackAndFetch(ctx, db, input),
    );

    if (result.orchestrations !== null && orchestratorTimeout !== undefined) {
      const key = orchestratorKey(orchestratorTimeout);
      for (const item of result.orchestrations.items) {
        ledger.hold(item.instanceId, item.lockToken, nowMs + orchestratorTimeout);
        supply.rememberProfile(item.lockToken, { queue: 'orchestrator', lockTimeoutMs: orchestratorTimeout });
        supply.orchestratorBuffer.add(key, item, nowMs);
      }
      supply.noteOrchestrationFetch(key, result.orchestrations, orchestrationCount, orchestratorEpoch);
      // Batches beyond what the acking slots take are for idle slots: wake them (nothing new
      // for the store's other readers).
      const extra = result.orchestrations.items.length - ownTurns.length;
      if (extra > 0) wake.notify('orchestrator', extra, false);
    }
    if (shape !== undefined && input.activities !== undefined) {
      result.activities.forEach((lease, index) => {
        const own = ownProfiles[index];
        if (lease !== null) {
          const profile: WorkProfile = { shape, ownerId: own?.ownerId ?? null };
          supply.rememberProfile(lease.lockToken, { queue: 'worker', profile });
          // A session lease belongs to its owner; any slot of this shape may take the others.
          const key =
            lease.item.session_id !== undefined && own !== undefined
              ? workerKey(own)
              : sharedWorkerKey(shape);
          supply.workerBuffer.add(key, lease, nowMs);
        }
        if (own !== undefined) supply.noteWorkFetch(own, lease, workerEpoch);
      });
    }
    this.signalCommit(turns, completions, result, ownProfiles.length);
    return { turns: result.turns, completions: result.completions };
  }

  /**
   * In-process wake-ups for a committed batch: dispatchers of this process learn about the work
   * it created without waiting for the NOTIFY. Work the same call already fetched (into the
   * buffers) is not announced as new — it would only send idle dispatchers to the store for
   * nothing — and neither are messages for instances whose turn runs here (their ack will).
   */
  private signalCommit(
    turns: readonly OrchestrationAckRequest[],
    completions: readonly WorkAckRequest[],
    result: AckAndFetchResult,
    ownActivities: number,
  ): void {
    const now = this.deps.ctx.options.clock.now();
    const fetchedNow = new Set(result.orchestrations?.items.map((item) => item.instanceId) ?? []);
    const freshFor = (instanceId: string): number =>
      fetchedNow.has(instanceId) || this.deps.ledger.holds(instanceId) ? 0 : 1;
    let orchestrator = 0;
    let worker = 0;
    turns.forEach((turn, index) => {
      const effects = result.turns[index];
      if (effects === undefined || effects === null) return;
      const visible = turn.ack.orchestratorItems.filter(({ visibleAtMs }) => (visibleAtMs ?? now) <= now);
      for (const { item } of visible) orchestrator += freshFor(item.instance);
      // Beyond the new items: messages that waited for this turn's lease (released now).
      if (effects.orchestratorReady > visible.length && !fetchedNow.has(turn.instanceId)) orchestrator++;
      if (effects.orchestratorDueAt !== null)
        this.deps.wake.scheduleAt('orchestrator', effects.orchestratorDueAt);
      worker += effects.workerReady;
    });
    completions.forEach((completion, index) => {
      if (result.completions[index] === true && completion.completion !== null) {
        orchestrator += freshFor(completion.completion.instance);
      }
    });
    if (orchestrator > 0) this.deps.wake.notify('orchestrator', orchestrator);
    // Activities this call locked (for acking slots and idle ones) are not new to anyone else.
    const leased = result.activities.filter((lease) => lease !== null).length;
    if (worker - leased > 0) this.deps.wake.notify('worker', worker - leased);
    const handedOff = result.activities.slice(ownActivities).filter((lease) => lease !== null).length;
    if (handedOff > 0) this.deps.wake.notify('worker', handedOff, false);
  }
}
