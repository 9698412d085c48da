/**
 * The worker dispatcher: slots that fetch activity items with peek-lock, run the activity while
 * renewing its lease, and commit the result with one ack. A lease that cannot be renewed means
 * the activity was cancelled (its item was withdrawn) or lost: the activity is told through
 * `ctx.isCancelled()` and its result is discarded.
 */
import { performance } from 'node:perf_hooks';
import { isDuroxError } from '../../core/errors.js';
import { toApplicationFailure } from '../../core/failure.js';
import type { ErrorDetails } from '../../core/failure.js';
import { decodePayload, encodePayload } from '../../core/history.js';
import type { OrchestratorWorkItem } from '../../core/history.js';
import type { ActivityRegistry } from '../registry.js';
import type { Client } from '../client.js';
import type {
  EagerWorkRequest,
  ScheduledActivityId,
  SessionFetchConfig,
  WorkItemLease,
} from '../../core/provider.js';
import { EagerHandoff } from './eager-dispatch.js';
import type { HeldTurnSink } from './held-turns.js';
import { ActivityContext } from './activity-context.js';
import { HANDOFF_DELAY_MS, type DispatcherDeps } from './orchestration-dispatcher.js';
import { sleep } from '../../core/sleep.js';
import { fetchErrorDelayMs, keepLeaseAlive, withRetries } from './provider-calls.js';
import { renewalIntervalMs, unregisteredDelayMs } from './runtime-options.js';
import { endActivitySpan, startActivitySpan, withSpan } from '../otel.js';
import type { ActivityOutcome, ActivityStartEvent } from './observers.js';

const WORKER_RENEWAL_BUFFER_MS = 5000;

/** Encodes an activity result; a value JSON cannot represent fails the activity instead. */
function encodeResult(value: unknown): { ok: true; value: string } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: encodePayload(value) };
  } catch (err) {
    return {
      ok: false,
      error: new TypeError(`activity result cannot be stored as JSON: ${(err as Error).message}`),
    };
  }
}

/** How committing an activity's result went. */
type AckResult = 'ok' | 'lost' | 'failed';

interface Running {
  ctx: ActivityContext;
  lease: WorkItemLease;
  /** Set when the runtime gave the item back during shutdown: never ack it afterwards. */
  released: boolean;
  slot: number;
  /** performance.now() when the code started (0 without observers). */
  startedAt: number;
}

export class WorkerDispatcher {
  private readonly running = new Set<Running>();
  /** Distinct sessions with an activity in flight on this runtime. */
  private readonly sessionsInFlight = new Map<string, number>();
  /** Leases locked for this runtime by its own turns' acks (eager-dispatch.ts). */
  private readonly handoff = new EagerHandoff();
  /** Where activity results go first (held-turns.ts); null without held turns. */
  private heldTurns: HeldTurnSink | null = null;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly activities: ActivityRegistry,
    private readonly runtimeId: string,
    private readonly client: () => Client,
  ) {}

  /** Owner id of a slot for session affinity. */
  ownerId(slot: number): string {
    return this.deps.options.workerNodeId ?? `work-${slot}-${this.runtimeId}`;
  }

  /** One worker slot loop; returns when the runtime stops. */
  async run(slot: number): Promise<void> {
    const { provider, options, stop, logger, metrics } = this.deps;
    let errors = 0;
    this.handoff.slotStarted();
    while (!stop.aborted) {
      const handed = this.handoff.take();
      if (handed !== undefined) {
        metrics.increment('workerDispatcherItemsFetched');
        await this.handoff.executing(() => this.execute(handed, slot));
        continue;
      }
      let lease: WorkItemLease | null;
      try {
        const skip = this.deps.directory.activitySkips;
        lease = await provider.fetchWorkItem(options.workerLockTimeoutMs, {
          tagFilter: options.tagFilter,
          ...(skip.length === 0 ? {} : { skipActivities: [...skip] }),
          ...(this.sessionsInFlight.size < options.maxSessionsPerRuntime
            ? { session: this.sessionConfig(slot) }
            : {}),
        });
        errors = 0;
      } catch (err) {
        metrics.increment('providerErrors');
        logger.log('warn', 'fetching activity work failed', { error: String(err) });
        await sleep(fetchErrorDelayMs(err, errors++), stop);
        continue;
      }
      if (!lease) {
        await this.handoff.idleWait(
          (signal) => provider.waitForWork('worker', options.dispatcherPollIntervalMs, signal),
          stop,
        );
        continue;
      }
      metrics.increment('workerDispatcherItemsFetched');
      await this.handoff.executing(() => this.execute(lease, slot));
    }
    this.handoff.slotStopped();
    await this.giveBack(this.handoff.close());
  }

  /**
   * Eager dispatch, step 1: reserves idle slots for up to `max` activities a turn is about to
   * schedule. Null when none is idle; else the request for `ackOrchestrationItemEager`.
   */
  reserveEager(max: number): EagerWorkRequest | null {
    const { options } = this.deps;
    const reserved = this.handoff.reserve(max);
    if (reserved === 0) return null;
    const skip = this.deps.directory.activitySkips;
    return {
      maxItems: reserved,
      lockTimeoutMs: options.workerLockTimeoutMs,
      tagFilter: options.tagFilter,
      ...(skip.length === 0 ? {} : { skipActivities: [...skip] }),
    };
  }

  /** Eager dispatch, step 2: the leases the ack locked (none when it failed) go to the slots. */
  deliverEager(
    request: EagerWorkRequest,
    leases: readonly WorkItemLease[],
    callerSlotFreesUp: boolean,
  ): void {
    const wake = callerSlotFreesUp ? leases.length - 1 : leases.length;
    void this.giveBack(this.handoff.deliver(leases, request.maxItems, wake));
  }

  /** Returns leases nobody will run to the queue, without counting an attempt. */
  private async giveBack(leases: readonly WorkItemLease[]): Promise<void> {
    await Promise.all(
      leases.map((lease) =>
        this.deps.provider.abandonWorkItem(lease.lockToken, 0, true).catch(() => undefined),
      ),
    );
  }

  /**
   * Cancels activities running in this process whose items a turn just withdrew (race losers,
   * ended orchestrations), without waiting for their next lease renewal to notice.
   */
  cancelWithdrawn(ids: readonly ScheduledActivityId[]): void {
    if (ids.length === 0 || this.running.size === 0) return;
    const keys = new Set(ids.map((id) => `${id.instanceId}\u0000${id.executionId}\u0000${id.activityId}`));
    for (const entry of this.running) {
      const { instance, execution_id: executionId, id } = entry.lease.item;
      if (keys.has(`${instance}\u0000${executionId}\u0000${id}`))
        entry.ctx.cancel('activity withdrawn by its orchestration');
    }
  }

  /** Cancels running activities and gives their items back so another worker can take them. */
  async releaseRunning(): Promise<void> {
    await Promise.all(
      [...this.running].map(async (entry) => {
        entry.released = true;
        entry.ctx.cancel('runtime shutting down');
        try {
          await this.deps.provider.abandonWorkItem(entry.lease.lockToken, 0, true);
        } catch {
          // The lease expires on its own.
        }
        // Reported now: the code may run on past the shutdown.
        if (this.deps.observers !== null) {
          this.observeEnd(entry.lease, entry.slot, 'abandoned', performance.now() - entry.startedAt);
        }
      }),
    );
  }

  private sessionConfig(slot: number): SessionFetchConfig {
    return { ownerId: this.ownerId(slot), lockTimeoutMs: this.deps.options.sessionLockTimeoutMs };
  }

  private async execute(lease: WorkItemLease, slot: number): Promise<void> {
    const { provider, options, logger, metrics } = this.deps;
    const { item } = lease;
    if (lease.attemptCount > options.maxAttempts) {
      metrics.increment('activityPoison');
      const details: ErrorDetails = {
        category: 'poison',
        attempt_count: lease.attemptCount,
        max_attempts: options.maxAttempts,
        message_type: {
          kind: 'Activity',
          instance: item.instance,
          execution_id: item.execution_id,
          activity_name: item.name,
          activity_id: item.id,
        },
        message:
          `poison: activity ${item.name}#${item.id} exceeded ${lease.attemptCount} attempts (max ${options.maxAttempts})` +
          (this.activities.resolve(item.name)
            ? ''
            : `: activity '${item.name}' is not registered ${this.deps.directory.supported ? 'on any running worker' : 'on this worker'}`),
      };
      endActivitySpan(startActivitySpan(item, lease.attemptCount, null), 'poison', details.message);
      await this.ack(lease, {
        type: 'ActivityFailed',
        instance: item.instance,
        execution_id: item.execution_id,
        id: item.id,
        details,
      });
      this.observeEnd(lease, slot, 'poison', 0);
      return;
    }
    const handler = this.activities.resolve(item.name);
    if (!handler && (await this.deps.directory.activityRunsElsewhere(item.name))) {
      // Another running worker has the code: give the item back without counting an attempt.
      await provider.abandonWorkItem(lease.lockToken, HANDOFF_DELAY_MS, true).catch(() => undefined);
      return;
    }
    if (!handler) {
      const delay = unregisteredDelayMs(options, lease.attemptCount);
      logger.log('warn', `activity ${item.name} is not registered; retrying later`, {
        instance_id: item.instance,
        retry_in_ms: delay,
      });
      metrics.increment('activityConfigErrors');
      await provider.abandonWorkItem(lease.lockToken, delay, false).catch(() => undefined);
      this.observeEnd(lease, slot, 'config_error', 0);
      return;
    }
    const session = item.session_id;
    if (
      session !== undefined &&
      !this.sessionsInFlight.has(session) &&
      this.sessionsInFlight.size >= options.maxSessionsPerRuntime
    ) {
      // Another slot took a new session while this fetch ran: over the cap, so give it back.
      await provider.abandonWorkItem(lease.lockToken, 100, true).catch(() => undefined);
      return;
    }
    if (session !== undefined)
      this.sessionsInFlight.set(session, (this.sessionsInFlight.get(session) ?? 0) + 1);
    const ctx = new ActivityContext(item, this.workerId(slot), logger, this.client);
    const span = startActivitySpan(item, lease.attemptCount, ctx.workerId);
    const observers = this.deps.observers;
    const entry: Running = {
      ctx,
      lease,
      released: false,
      slot,
      startedAt: observers === null ? 0 : performance.now(),
    };
    this.running.add(entry);
    const renewal = keepLeaseAlive(
      () => provider.renewWorkItemLock(lease.lockToken, options.workerLockTimeoutMs),
      renewalIntervalMs(options.workerLockTimeoutMs, WORKER_RENEWAL_BUFFER_MS),
      () => ctx.cancel('activity cancelled or lease lost'),
    );
    if (observers?.has('activityStart')) observers.emit('activityStart', this.observed(lease, slot));
    let ended: ActivityOutcome = 'cancelled';
    try {
      const outcome = await this.runHandler(ctx, () =>
        withSpan(span, () => handler(ctx, decodePayload(item.input))),
      );
      if (entry.released) {
        endActivitySpan(span, 'released');
        return;
      }
      if (ctx.isCancelled()) {
        // The orchestration no longer wants the result (or the lease is gone): drop it.
        endActivitySpan(span, 'cancelled');
        await this.ack(lease, null);
        ended = 'cancelled';
        return;
      }
      const base = { instance: item.instance, execution_id: item.execution_id, id: item.id };
      const result = outcome.ok ? encodeResult(outcome.value) : outcome;
      endActivitySpan(span, result.ok ? 'completed' : 'failed', result.ok ? undefined : result.error);
      if (result.ok) {
        metrics.increment('activitySuccess');
        const acked = await this.ack(lease, { type: 'ActivityCompleted', ...base, result: result.value });
        ended = acked === 'ok' ? 'success' : acked === 'lost' ? 'cancelled' : 'infra_error';
      } else {
        metrics.increment('activityAppErrors');
        logger.log('warn', 'activity failed', {
          instance_id: item.instance,
          activity_name: item.name,
          error: String(result.error),
        });
        const acked = await this.ack(lease, {
          type: 'ActivityFailed',
          ...base,
          details: toApplicationFailure(result.error, 'ActivityFailed'),
        });
        ended = acked === 'ok' ? 'app_error' : acked === 'lost' ? 'cancelled' : 'infra_error';
      }
    } finally {
      if (observers !== null && !entry.released) {
        this.observeEnd(lease, slot, ended, performance.now() - entry.startedAt);
      }
      renewal.stop();
      this.running.delete(entry);
      if (session !== undefined) {
        const left = (this.sessionsInFlight.get(session) ?? 1) - 1;
        if (left <= 0) this.sessionsInFlight.delete(session);
        else this.sessionsInFlight.set(session, left);
      }
    }
  }

  /**
   * Runs the activity; once it is cancelled, waits at most the grace period for it to stop,
   * then frees the slot (the activity's eventual result is ignored).
   */
  private async runHandler(
    ctx: ActivityContext,
    call: () => unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const run = (async () => call())().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<{ ok: false; error: unknown }>((resolve) => {
      const onCancel = (): void => {
        timer = setTimeout(
          () =>
            resolve({
              ok: false,
              error: new Error('activity did not stop within the cancellation grace period'),
            }),
          this.deps.options.activityCancellationGracePeriodMs,
        );
        timer.unref();
      };
      ctx.whenCancelled(onCancel);
    });
    try {
      return await Promise.race([run, abandoned]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** `work-<slot>-<runtime id or workerNodeId>`: the activity context's `workerId`. */
  private workerId(slot: number): string {
    return `work-${slot}-${this.deps.options.workerNodeId ?? this.runtimeId}`;
  }

  /** The observers' view of a leased item. */
  private observed(lease: WorkItemLease, slot: number): ActivityStartEvent {
    const { item } = lease;
    return {
      name: item.name,
      instanceId: item.instance,
      executionId: item.execution_id,
      activityId: item.id,
      orchestrationName: item.orchestration_name ?? null,
      orchestrationVersion: item.orchestration_version ?? null,
      tag: item.tag ?? null,
      sessionId: item.session_id ?? null,
      attempt: lease.attemptCount,
      workerId: this.workerId(slot),
    };
  }

  private observeEnd(lease: WorkItemLease, slot: number, outcome: ActivityOutcome, durationMs: number): void {
    const observers = this.deps.observers;
    if (!observers?.has('activityEnd')) return;
    observers.emit('activityEnd', { ...this.observed(lease, slot), outcome, durationMs });
  }

  /**
   * Held turns: activity results go to `sink` first, which commits them with their
   * orchestration's next turn when that turn is held for them (held-turns.ts).
   */
  commitResultsThrough(sink: HeldTurnSink): void {
    this.heldTurns = sink;
  }

  private async ack(lease: WorkItemLease, completion: OrchestratorWorkItem | null): Promise<AckResult> {
    const { provider, logger, metrics } = this.deps;
    if (this.heldTurns !== null) {
      if (completion === null) {
        this.heldTurns.forgetHeld(lease.lockToken);
      } else {
        const held = await this.heldTurns.completeHeld(lease, completion);
        if (held !== 'not-held') return held;
      }
    }
    try {
      await withRetries(
        () => provider.ackWorkItem(lease.lockToken, completion),
        5,
        () => metrics.increment('providerErrors'),
      );
      return 'ok';
    } catch (err) {
      if (isDuroxError(err, 'LOCK_LOST')) {
        logger.log('debug', 'activity result discarded: its item was withdrawn or its lease expired', {
          instance_id: lease.item.instance,
          activity_id: lease.item.id,
        });
        return 'lost';
      }
      metrics.increment('activityInfraErrors');
      logger.log('error', 'committing activity result failed; the activity will run again', {
        instance_id: lease.item.instance,
        error: String(err),
      });
      await provider.abandonWorkItem(lease.lockToken, 100, false).catch(() => undefined);
      return 'failed';
    }
  }
}
