/**
 * The orchestration dispatcher: N loops that fetch locked instance batches, plan the turn and
 * commit it with one ack, keeping the instance lease alive meanwhile.
 */
import { performance } from 'node:perf_hooks';
import { isDuroxError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type {
  EagerAckResult,
  EagerWorkRequest,
  HeldCompletion,
  OrchestrationItem,
  Provider,
  ScheduledActivityId,
  WorkItemLease,
} from '../../core/provider.js';
import type { InstanceCache } from './instance-cache.js';
import type { AckPlan, TurnPlan, TurnPlanner } from './orchestration-turn.js';
import type { HeldCompletionOutcome, HeldTurn, HeldTurnSink } from './held-turns.js';
import type { OrchestratorWorkItem } from '../../core/history.js';
import { sleep } from '../../core/sleep.js';
import { fetchErrorDelayMs, keepLeaseAlive, withRetries } from './provider-calls.js';
import type { CompiledRuntimeOptions } from './runtime-options.js';
import { renewalIntervalMs } from './runtime-options.js';
import type { WorkerDirectory } from './worker-directory.js';
import { TurnTrace } from './turn-tracing.js';
import type { FailureCategory, ObserverHub, TerminalStatus, TurnOutcome } from './observers.js';

const ORCHESTRATOR_RENEWAL_BUFFER_MS = 2000;

/** A held turn starts only while its kept lease has this long left (held-turns.ts). */
const HOLD_MARGIN_MS = 10;

export interface DispatcherDeps {
  provider: Provider;
  options: CompiledRuntimeOptions;
  logger: Logger;
  metrics: Metrics;
  stop: AbortSignal;
  directory: WorkerDirectory;
  /** The runtime's observers; null when there are none (nothing is measured then). */
  observers: ObserverHub | null;
}

/**
 * Delay before work that another running worker can run is visible again, after this one
 * fetched it anyway (before it knew of that worker): short, the attempt is not counted.
 */
export const HANDOFF_DELAY_MS = 250;

/** The local worker slots eager dispatch hands activities to (see eager-dispatch.ts). */
export interface EagerSlots {
  reserveEager(max: number): EagerWorkRequest | null;
  /**
   * `callerSlotFreesUp`: the ack runs on a worker slot that is about to look for work (a held
   * turn): it takes one lease itself, so one idle slot fewer is woken.
   */
  deliverEager(request: EagerWorkRequest, leases: readonly WorkItemLease[], callerSlotFreesUp: boolean): void;
}

export class OrchestrationDispatcher implements HeldTurnSink {
  /** Held turns waiting for their activity, by the activity's lock token (held-turns.ts). */
  private readonly held = new Map<string, HeldTurn>();

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly planner: TurnPlanner,
    private readonly cache: InstanceCache,
    /** Told about activities a committed turn withdrew, so local ones stop at once. */
    private readonly onWithdrawn: (ids: readonly ScheduledActivityId[]) => void = () => undefined,
    /** This runtime's worker slots, when it runs activities (eager dispatch). */
    private readonly eager: EagerSlots | null = null,
  ) {}

  /**
   * Commits a turn (with `completed`: a held turn, consuming that activity's result). When the
   * provider can lock the turn's new activities for this runtime in the ack's transaction and
   * worker slots are idle, those slots get them without a fetch; when the turn qualifies, the
   * provider keeps the instance's lease and the turn's execution is parked in `held`.
   */
  private async ack(
    item: OrchestrationItem,
    plan: AckPlan,
    completed?: HeldCompletion,
  ): Promise<'committed' | 'held' | 'released'> {
    const { provider, options } = this.deps;
    const { ack } = plan;
    const eagerCapable = this.eager !== null && provider.ackOrchestrationItemEager !== undefined;
    let request =
      ack.workerItems.length > 0 && eagerCapable ? this.eager!.reserveEager(ack.workerItems.length) : null;
    if (request === null && completed === undefined) {
      await provider.ackOrchestrationItem(item.lockToken, ack);
      return 'committed';
    }
    const reserved = request;
    if (request !== null && this.holdable(item.instanceId, plan)) {
      request = { ...request, holdInstanceMs: options.instanceHoldMs };
    }
    let result: EagerAckResult = { leases: [] };
    try {
      if (completed !== undefined) {
        const held = await provider.ackHeldTurn!(
          item.lockToken,
          ack,
          completed,
          request ?? {
            maxItems: 0,
            lockTimeoutMs: options.workerLockTimeoutMs,
            tagFilter: options.tagFilter,
          },
        );
        if (held.outcome === 'released') return 'released';
        result = held;
      } else {
        result = await provider.ackOrchestrationItemEager!(item.lockToken, ack, request!);
      }
      const [lease] = result.leases;
      if (result.heldUntilMs === undefined || lease === undefined || result.leases.length !== 1) {
        return 'committed';
      }
      // Parked before the lease reaches a slot: the activity may finish at once.
      this.held.set(lease.lockToken, {
        instanceId: item.instanceId,
        lockToken: item.lockToken,
        heldUntilMs: result.heldUntilMs,
        exec: plan.exec!,
        handler: plan.handler!,
      });
      return 'held';
    } finally {
      if (reserved !== null) this.eager!.deliverEager(reserved, result.leases, completed !== undefined);
    }
  }

  /**
   * Whether a turn may keep its instance's lease for its activity (held-turns.ts): it leaves
   * the execution running, schedules exactly one activity and sends itself nothing.
   */
  private holdable(instanceId: string, plan: AckPlan): boolean {
    const { ack } = plan;
    return (
      this.deps.options.instanceHoldMs > 0 &&
      this.deps.provider.ackHeldTurn !== undefined &&
      plan.exec !== undefined &&
      plan.handler !== undefined &&
      plan.outcome?.status === 'Running' &&
      ack.workerItems.length === 1 &&
      !ack.orchestratorItems.some((o) => o.item.instance === instanceId)
    );
  }

  /** {@inheritDoc HeldTurnSink.forgetHeld} */
  forgetHeld(lockToken: string): void {
    const held = this.held.get(lockToken);
    if (held === undefined) return;
    this.held.delete(lockToken);
    // The execution is as the held turn left it: the next fetch may resume it.
    this.cache.put(held.instanceId, held.exec, held.handler);
  }

  /** {@inheritDoc HeldTurnSink.completeHeld} */
  async completeHeld(lease: WorkItemLease, completion: OrchestratorWorkItem): Promise<HeldCompletionOutcome> {
    const held = this.held.get(lease.lockToken);
    if (held === undefined) return 'not-held';
    const { options, logger, stop } = this.deps;
    if (stop.aborted || options.clock.now() >= held.heldUntilMs - HOLD_MARGIN_MS) {
      // Too late to use the lease: the result goes the usual way.
      this.forgetHeld(lease.lockToken);
      return 'not-held';
    }
    this.held.delete(lease.lockToken);
    const started = this.deps.observers === null ? 0 : performance.now();
    const item: OrchestrationItem = {
      instanceId: held.instanceId,
      orchestrationName: held.exec.orchestrationName,
      orchestrationVersion: held.exec.orchestrationVersion,
      executionId: held.exec.executionId,
      history: [],
      messages: [completion],
      lockToken: held.lockToken,
      attemptCount: 1,
      kvSnapshot: {},
    };
    const priorEvents = held.exec.historyLength;
    const spans = TurnTrace.begin();
    let plan: AckPlan;
    try {
      plan = this.planner.resumeHeld(held.exec, held.handler, completion, undefined, spans);
    } catch (err) {
      spans?.finish('failed', err);
      logger.log('error', 'orchestration turn crashed', { instance_id: held.instanceId, error: String(err) });
      // The usual path replays it from history and handles the crash there.
      await this.abandon(item, 0, true);
      return 'not-held';
    }
    const outcome = await this.commit(item, plan, spans, started, {
      completed: { workLockToken: lease.lockToken, completion },
      priorEvents,
    });
    switch (outcome) {
      case 'committed':
      case 'released':
        return 'ok';
      case 'lost':
        // The activity's lease is gone (withdrawn, expired): let the instance go too.
        await this.abandon(item, 0, true);
        return 'lost';
      case 'failed':
        return 'not-held';
      default:
        return assertNever(outcome);
    }
  }

  /** One dispatcher loop; returns when the runtime stops. */
  async run(): Promise<void> {
    const { provider, options, stop, logger, metrics } = this.deps;
    let errors = 0;
    while (!stop.aborted) {
      let item: OrchestrationItem | null;
      try {
        const skip = this.deps.directory.orchestrationSkips;
        item =
          skip.length === 0
            ? await provider.fetchOrchestrationItem(options.orchestratorLockTimeoutMs)
            : await provider.fetchOrchestrationItem(options.orchestratorLockTimeoutMs, {
                skipOrchestrations: [...skip],
              });
        errors = 0;
      } catch (err) {
        metrics.increment('providerErrors');
        logger.log('warn', 'fetching orchestration work failed', { error: String(err) });
        await sleep(fetchErrorDelayMs(err, errors++), stop);
        continue;
      }
      if (!item) {
        await provider.waitForWork('orchestrator', options.dispatcherPollIntervalMs, stop);
        continue;
      }
      metrics.increment('orchDispatcherItemsFetched');
      await this.process(item);
    }
  }

  private async process(item: OrchestrationItem): Promise<void> {
    const { provider, options, logger } = this.deps;
    const started = this.deps.observers === null ? 0 : performance.now();
    const lease = keepLeaseAlive(
      () => provider.renewOrchestrationItemLock(item.lockToken, options.orchestratorLockTimeoutMs),
      renewalIntervalMs(options.orchestratorLockTimeoutMs, ORCHESTRATOR_RENEWAL_BUFFER_MS),
      (err) =>
        logger.log('warn', 'orchestration lease lost during turn', {
          instance_id: item.instanceId,
          error: String(err),
        }),
    );
    const spans = TurnTrace.begin();
    try {
      let plan: TurnPlan;
      try {
        plan = this.planner.plan(item, undefined, spans);
      } catch (err) {
        spans?.finish('failed', err);
        // A bug in durox itself: retry later rather than corrupt the instance.
        logger.log('error', 'orchestration turn crashed', {
          instance_id: item.instanceId,
          error: String(err),
        });
        this.cache.evict(item.instanceId);
        await this.abandon(item, 1000);
        this.observeAbandoned(item, started);
        return;
      }
      if (plan.kind === 'abandon' && plan.missing !== undefined) {
        const { name, version } = plan.missing;
        if (await this.deps.directory.orchestrationRunsElsewhere(name, version)) {
          // Another running worker has the code: give the batch back without counting an attempt.
          logger.log('debug', `orchestration turn left to another worker: ${plan.reason}`, {
            instance_id: item.instanceId,
          });
          this.cache.evict(item.instanceId);
          await this.abandon(item, HANDOFF_DELAY_MS, true);
          this.observeAbandoned(item, started);
          return;
        }
      }
      if (plan.kind === 'abandon') {
        logger.log('warn', `orchestration turn deferred: ${plan.reason}`, {
          instance_id: item.instanceId,
          attempt: item.attemptCount,
          retry_in_ms: plan.delayMs,
        });
        this.cache.evict(item.instanceId);
        await this.abandon(item, plan.delayMs);
        this.observeAbandoned(item, started);
        return;
      }
      await this.commit(item, plan, spans, started);
    } finally {
      lease.stop();
    }
  }

  /**
   * Commits a planned turn and records it. `held` makes it a held turn's commit: it consumes
   * that activity's result and follows `priorEvents` events (the turn's item has no history).
   */
  private async commit(
    item: OrchestrationItem,
    plan: AckPlan,
    spans: TurnTrace | null,
    started: number,
    held?: { completed: HeldCompletion; priorEvents: number },
  ): Promise<'committed' | 'released' | 'lost' | 'failed'> {
    const { logger, metrics } = this.deps;
    let acked: 'committed' | 'held' | 'released';
    try {
      acked = await withRetries(
        () => this.ack(item, plan, held?.completed),
        5,
        () => metrics.increment('providerErrors'),
      );
      spans?.finish(acked === 'released' ? 'lost' : 'committed');
    } catch (err) {
      spans?.finish(isDuroxError(err, 'LOCK_LOST') ? 'lost' : 'failed', err);
      this.cache.evict(item.instanceId);
      metrics.increment('providerErrors');
      if (isDuroxError(err, 'LOCK_LOST')) {
        logger.log(
          'warn',
          held === undefined
            ? 'orchestration turn discarded: lease lost before commit'
            : 'orchestration turn discarded: its activity was withdrawn or its lease expired',
          { instance_id: item.instanceId },
        );
        this.observeAbandoned(item, started);
        return 'lost';
      }
      logger.log('error', 'committing orchestration turn failed', {
        instance_id: item.instanceId,
        error: String(err),
      });
      await this.abandon(item, held === undefined ? 50 : 0, held !== undefined);
      this.observeAbandoned(item, started);
      return 'failed';
    }
    if (acked === 'released') {
      // The store let the held lease go (other messages wait, or the hold lapsed): the usual
      // path runs this turn with every message. Not reported to observers: only that one is.
      this.cache.evict(item.instanceId);
      return 'released';
    }
    this.onWithdrawn(plan.ack.cancelledActivities);
    this.record(item, plan, acked === 'held');
    const observers = this.deps.observers;
    if (observers?.has('turnEnd') || observers?.has('orchestrationTerminal')) {
      this.observeCommitted(item, plan, started, held?.priorEvents ?? item.history.length);
    }
    return 'committed';
  }

  /** Reports a turn given back to the store. */
  private observeAbandoned(item: OrchestrationItem, started: number): void {
    const observers = this.deps.observers;
    if (!observers?.has('turnEnd')) return;
    const first = item.history[0];
    const version = first?.type === 'OrchestrationStarted' ? first.version : item.orchestrationVersion;
    observers.emit('turnEnd', {
      name: first?.type === 'OrchestrationStarted' ? first.name : item.orchestrationName,
      version,
      instanceId: item.instanceId,
      executionId: item.executionId,
      outcome: 'abandoned',
      durationMs: performance.now() - started,
      historyEvents: item.history.length,
      newEvents: 0,
      attempt: item.attemptCount,
    });
  }

  /**
   * Reports a committed turn that ran code or ended the execution (poison, corrupted history);
   * turns that only dropped messages are not reported.
   */
  private observeCommitted(
    item: OrchestrationItem,
    plan: AckPlan,
    started: number,
    priorEvents: number,
  ): void {
    const observers = this.deps.observers!;
    const { ack } = plan;
    const name = ack.metadata.orchestrationName;
    if (name === undefined) return;
    const version = ack.metadata.orchestrationVersion ?? null;
    let outcome: TurnOutcome;
    let category: FailureCategory | undefined;
    const status = plan.outcome?.status ?? ack.metadata.status ?? 'Running';
    switch (status) {
      case 'Running':
        outcome = 'running';
        break;
      case 'Completed':
        outcome = 'completed';
        break;
      case 'ContinuedAsNew':
        outcome = 'continued_as_new';
        break;
      case 'Failed': {
        outcome = 'failed';
        const failed = ack.historyDelta.findLast((e) => e.type === 'OrchestrationFailed');
        category = failed?.type === 'OrchestrationFailed' ? failed.details.category : undefined;
        break;
      }
      default:
        return assertNever(status);
    }
    const previous = plan.initiatedBy === 'continue_as_new' ? 0 : priorEvents;
    observers.emit('turnEnd', {
      name,
      version,
      instanceId: item.instanceId,
      executionId: ack.executionId,
      outcome,
      durationMs: performance.now() - started,
      historyEvents: previous + ack.historyDelta.length,
      newEvents: ack.historyDelta.length,
      ...(plan.initiatedBy === undefined ? {} : { initiatedBy: plan.initiatedBy }),
      attempt: item.attemptCount,
    });
    if (outcome === 'running') return;
    const terminal: TerminalStatus = outcome;
    observers.emit('orchestrationTerminal', {
      name,
      version,
      instanceId: item.instanceId,
      executionId: ack.executionId,
      status: terminal,
      ...(category === undefined ? {} : { errorCategory: category }),
    });
  }

  /** Metrics and logs of a committed turn; a running execution goes to the cache (or is held). */
  private record(item: OrchestrationItem, plan: AckPlan, held: boolean): void {
    const { metrics, logger } = this.deps;
    const { exec, handler, outcome } = plan;
    if (!exec || !handler || !outcome) {
      // Failed without running code: poison, or a corrupted history.
      const failed = plan.ack.historyDelta.findLast((e) => e.type === 'OrchestrationFailed');
      if (failed?.type === 'OrchestrationFailed') {
        this.countFailure(failed.details.category);
        logger.log('error', 'orchestration failed', {
          instance_id: item.instanceId,
          execution_id: plan.ack.executionId,
          orchestration_name: plan.ack.metadata.orchestrationName,
          error: failed.details.message,
          category: failed.details.category,
        });
      }
      return;
    }
    if (plan.newInstance) metrics.increment('orchStarts');
    for (const event of plan.ack.historyDelta)
      if (event.type === 'SubOrchestrationScheduled') metrics.increment('suborchestrationCalls');
    const fields = {
      instance_id: item.instanceId,
      execution_id: exec.executionId,
      orchestration_name: exec.orchestrationName,
    };
    switch (outcome.status) {
      case 'Running':
        // A held turn's execution is parked in `held` until its activity ends.
        if (!held) this.cache.put(item.instanceId, exec, handler);
        return;
      case 'Completed':
        metrics.increment('orchCompletions');
        logger.log('info', 'orchestration completed', fields);
        break;
      case 'ContinuedAsNew':
        metrics.increment('orchContinueAsNew');
        logger.log('info', 'orchestration continued as new', fields);
        break;
      case 'Failed': {
        const category = outcome.details.category;
        this.countFailure(category);
        logger.log(category === 'application' ? 'warn' : 'error', 'orchestration failed', {
          ...fields,
          error: outcome.details.message,
          category,
        });
        break;
      }
      default:
        assertNever(outcome);
    }
    this.cache.evict(item.instanceId);
  }

  /** The runtime counters of a failed execution. */
  private countFailure(category: FailureCategory): void {
    const { metrics } = this.deps;
    metrics.increment('orchFailures');
    switch (category) {
      case 'application':
        return metrics.increment('orchApplicationErrors');
      case 'infrastructure':
        return metrics.increment('orchInfrastructureErrors');
      case 'configuration':
        return metrics.increment('orchConfigurationErrors');
      case 'poison':
        return metrics.increment('orchPoison');
      default:
        return assertNever(category);
    }
  }

  private async abandon(item: OrchestrationItem, delayMs: number, ignoreAttempt = false): Promise<void> {
    try {
      await this.deps.provider.abandonOrchestrationItem(item.lockToken, delayMs, ignoreAttempt);
    } catch (err) {
      this.deps.logger.log('warn', 'abandoning orchestration batch failed; its lease will expire', {
        instance_id: item.instanceId,
        error: String(err),
      });
    }
  }
}
