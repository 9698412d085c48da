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
  EagerWorkRequest,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  ScheduledActivityId,
  WorkItemLease,
} from '../../core/provider.js';
import type { InstanceCache } from './instance-cache.js';
import type { TurnPlan, TurnPlanner } from './orchestration-turn.js';
import { sleep } from '../../core/sleep.js';
import { fetchErrorDelayMs, keepLeaseAlive, withRetries } from './provider-calls.js';
import type { CompiledRuntimeOptions } from './runtime-options.js';
import { renewalIntervalMs } from './runtime-options.js';
import type { WorkerDirectory } from './worker-directory.js';
import { TurnTrace } from './turn-tracing.js';
import type { FailureCategory, ObserverHub, TerminalStatus, TurnOutcome } from './observers.js';

const ORCHESTRATOR_RENEWAL_BUFFER_MS = 2000;

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
  deliverEager(request: EagerWorkRequest, leases: readonly WorkItemLease[]): void;
}

export class OrchestrationDispatcher {
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
   * Commits a turn. When the provider can lock the turn's new activities for this runtime in
   * the ack's transaction and worker slots are idle, those slots get them without a fetch.
   */
  private async ack(token: string, ack: OrchestrationAck): Promise<void> {
    const { provider } = this.deps;
    const request =
      ack.workerItems.length > 0 && this.eager !== null && provider.ackOrchestrationItemEager !== undefined
        ? this.eager.reserveEager(ack.workerItems.length)
        : null;
    if (request === null) return provider.ackOrchestrationItem(token, ack);
    let leases: WorkItemLease[] = [];
    try {
      leases = await provider.ackOrchestrationItemEager!(token, ack, request);
    } finally {
      this.eager!.deliverEager(request, leases);
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

  private async commit(
    item: OrchestrationItem,
    plan: Extract<TurnPlan, { kind: 'ack' }>,
    spans: TurnTrace | null,
    started: number,
  ): Promise<void> {
    const { logger, metrics } = this.deps;
    try {
      await withRetries(
        () => this.ack(item.lockToken, plan.ack),
        5,
        () => metrics.increment('providerErrors'),
      );
      spans?.finish('committed');
    } catch (err) {
      spans?.finish(isDuroxError(err, 'LOCK_LOST') ? 'lost' : 'failed', err);
      this.cache.evict(item.instanceId);
      metrics.increment('providerErrors');
      if (isDuroxError(err, 'LOCK_LOST')) {
        logger.log('warn', 'orchestration turn discarded: lease lost before commit', {
          instance_id: item.instanceId,
        });
        this.observeAbandoned(item, started);
        return;
      }
      logger.log('error', 'committing orchestration turn failed', {
        instance_id: item.instanceId,
        error: String(err),
      });
      await this.abandon(item, 50);
      this.observeAbandoned(item, started);
      return;
    }
    this.onWithdrawn(plan.ack.cancelledActivities);
    this.record(item, plan);
    const observers = this.deps.observers;
    if (observers?.has('turnEnd') || observers?.has('orchestrationTerminal')) {
      this.observeCommitted(item, plan, started);
    }
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
    plan: Extract<TurnPlan, { kind: 'ack' }>,
    started: number,
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
    const previous = plan.initiatedBy === 'continue_as_new' ? 0 : item.history.length;
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

  private record(item: OrchestrationItem, plan: Extract<TurnPlan, { kind: 'ack' }>): void {
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
        this.cache.put(item.instanceId, exec, handler);
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
