/**
 * The PostgreSQL provider: a `pg` pool, one schema per tenant, every operation one round trip
 * (a PL/pgSQL function call or a single statement, see queries/), transient failures retried
 * per retry.ts, and one LISTEN connection that turns other processes' NOTIFYs into wake-ups.
 * Any number of processes on any number of hosts may share one schema.
 *
 * Round trips are what a turn costs (the server work per call is a fraction of a millisecond),
 * so the hot paths save them three ways:
 * - group commit (batcher.ts): concurrent fetches, acks, enqueues and client starts of one kind
 *   share a call;
 * - ack-and-fetch-next (prefetch.ts, handoff.ts, ack-pipeline.ts): a dispatcher slot's ack
 *   brings its next item, and new work goes straight to idle dispatcher slots of this process;
 * - local knowledge: an idle dispatcher is not sent to the store for work that was not
 *   announced (wakeups.ts), nor for messages of an instance whose turn runs here
 *   (lease-ledger.ts).
 *
 * This class composes those parts: connection.ts (pool, migration, retries), wakeups.ts
 * (signals, NOTIFYs, timers), lease-ledger.ts, handoff.ts (where leases come from),
 * ack-pipeline.ts (batched commits) and admin.ts (reads and management).
 */
import { InvalidInputError, LockLostError } from '../../core/errors.js';
import type {
  ActivityExecuteItem,
  HistoryEvent,
  OrchestratorWorkItem,
  StartOrchestrationItem,
} from '../../core/history.js';
import type {
  DeleteInstanceResult,
  EagerAckResult,
  EagerWorkRequest,
  ExecutionInfo,
  FetchOrchestrationItemOptions,
  FetchWorkItemOptions,
  HeldCompletion,
  HeldTurnResult,
  InstanceChangeFilter,
  InstanceFilter,
  InstanceInfo,
  InstanceQuery,
  InstanceStats,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  PruneOptions,
  PruneResult,
  QueueDepths,
  StoreActivity,
  QueueKind,
  RecommendedRuntimeOptions,
  SystemMetrics,
  WorkItemLease,
  WorkerRegistration,
  WorkerRegistrationInput,
} from '../../core/provider.js';
import type pg from 'pg';
import { AckPipeline } from './ack-pipeline.js';
import { PostgresAdmin } from './admin.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import { EagerAcks } from './eager-acks.js';
import { closedError, openStore, runner, type Run } from './connection.js';
import { LeaseSupply } from './handoff.js';
import { HistoryCache } from './history-cache.js';
import { LeaseLedger } from './lease-ledger.js';
import { POSTGRES_RECOMMENDED_OPTIONS } from './recommended.js';
import type { NotificationListener } from './listener.js';
import { instanceOfLockToken, rowOfLockToken } from './lock-tokens.js';
import type { PostgresProviderOptions } from './postgres-options.js';
import { abandonOrchestrationItem } from './queries/abandon-orchestration-item.js';
import { abandonWorkItem } from './queries/abandon-work-item.js';
import type { AckEffects } from './queries/ack-and-fetch.js';
import { cleanupOrphanedSessions } from './queries/cleanup-orphaned-sessions.js';
import type { QueryContext } from './queries/context.js';
import { createInstances, type CreateRequest } from './queries/create-instances.js';
import { enqueueOrchestratorItems, type EnqueueRequest } from './queries/enqueue-orchestrator-items.js';
import { enqueueWorkerWork } from './queries/enqueue-worker-work.js';
import { nextVisibleAt } from './queries/next-visible-at.js';
import { renewOrchestrationItemLock } from './queries/renew-orchestration-item-lock.js';
import { renewSessionLocks } from './queries/renew-session-locks.js';
import { renewWorkItemLock } from './queries/renew-work-item-lock.js';
import { toProviderError } from './retry.js';
import { WakeSignals } from './wakeups.js';

/** Group commit of enqueues (see batcher.ts), like acks (see ack-pipeline.ts). */
const ENQUEUE_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 64 };

/**
 * Group commit of client starts. Besides saving round trips, it bounds the pooled connections
 * starts take to `maxInFlight`: 10,000 starts at once used to queue for the pool one by one and
 * the late ones outwaited `connectionTimeoutMs`.
 */
const CREATE_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 64 };

/**
 * A durox store in a PostgreSQL schema.
 *
 * @example
 * const provider = await PostgresProvider.connectWithSchema('postgres://user:pw@host/db', 'orders');
 * // … hand it to a Runtime and a Client …
 * await provider.close();
 */
export class PostgresProvider implements Provider {
  /** Short name for logs and metrics. */
  readonly name = 'postgres';

  /** {@inheritDoc Provider.recommendedRuntimeOptions} (see recommended.ts). */
  recommendedRuntimeOptions(): RecommendedRuntimeOptions {
    return { ...POSTGRES_RECOMMENDED_OPTIONS };
  }
  private readonly run: Run;
  private readonly wake: WakeSignals;
  private listener: NotificationListener | null = null;
  private closed = false;
  /** Orchestration leases this provider holds (see lease-ledger.ts). */
  private readonly ledger: LeaseLedger;
  /** Long histories decoded by earlier fetches (see history-cache.ts). */
  private readonly historyCache: HistoryCache;
  private readonly supply: LeaseSupply;
  private readonly acks: AckPipeline;
  private readonly eagerAcks: EagerAcks;
  private readonly orchestratorEnqueues: Batcher<EnqueueRequest, true>;
  private readonly creates: Batcher<CreateRequest, boolean>;
  private readonly admin: PostgresAdmin;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ctx: QueryContext,
  ) {
    const run = runner(pool, ctx, () => this.closed);
    this.run = run;
    this.ledger = new LeaseLedger(() => this.wake.notify('orchestrator', 1), ctx.options.clock);
    this.wake = new WakeSignals(
      (afterMs) => run('nextVisibleAt', (db) => nextVisibleAt(ctx, db, { afterMs })),
      ctx.origin,
      (instanceId) => this.ledger.holds(instanceId),
      ctx.options.clock,
    );
    const { wake, ledger } = this;
    const historyCache = new HistoryCache(ctx.options.historyCacheEvents);
    this.historyCache = historyCache;
    this.supply = new LeaseSupply({
      ctx,
      run,
      wake,
      ledger,
      historyCache,
      abandonOrchestration: (lockToken) =>
        void this.abandonOrchestrationItem(lockToken, undefined, true).catch(() => undefined),
      abandonWork: (lockToken) =>
        void this.abandonWorkItem(lockToken, undefined, true).catch(() => undefined),
    });
    this.acks = new AckPipeline({ ctx, run, wake, ledger, supply: this.supply, historyCache });
    this.eagerAcks = new EagerAcks({ ctx, run, wake, ledger, supply: this.supply });
    this.orchestratorEnqueues = new Batcher(ENQUEUE_BATCHING, async (items) => {
      await run('enqueueOrchestratorWork', (db) =>
        enqueueOrchestratorItems(ctx, db, { nowMs: ctx.options.clock.now(), items }),
      );
      return items.map(() => true as const);
    });
    this.creates = new Batcher(CREATE_BATCHING, (requests) =>
      run('createInstance', (db) => createInstances(ctx, db, { requests })),
    );
    this.admin = new PostgresAdmin({ ctx, run, wake, historyCache });
  }

  /** The store's time (the clock option). */
  private now(): number {
    return this.ctx.options.clock.now();
  }

  /**
   * Connects to `url` (a `postgres://` connection string) and migrates the `public` schema.
   *
   * @throws InvalidInputError for invalid options.
   * @throws SchemaTooNewError when a newer durox migrated the schema with a breaking change.
   */
  static async connect(url: string, options?: PostgresProviderOptions): Promise<PostgresProvider> {
    return PostgresProvider.connectWithSchema(url, 'public', options);
  }

  /**
   * Connects to `url` and keeps everything in `schema` (created and migrated if needed), so
   * several applications or tenants can share one database. Any schema name works; it is
   * always quoted.
   *
   * @throws InvalidInputError for an invalid schema name or options.
   * @throws SchemaTooNewError when a newer durox migrated the schema with a breaking change.
   */
  static async connectWithSchema(
    url: string,
    schema: string,
    options?: PostgresProviderOptions,
  ): Promise<PostgresProvider> {
    const { pool, ctx, channel, listenConfig } = await openStore(url, schema, options);
    try {
      const provider = new PostgresProvider(pool, ctx);
      provider.listener = await provider.wake.listen(ctx.options.listen ? listenConfig : null, channel);
      return provider;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw toProviderError('connect', err);
    }
  }

  /** The schema this provider works in. */
  get schema(): string {
    return this.ctx.schema;
  }

  // ---- orchestrator queue -------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchOrchestrationItem} */
  async fetchOrchestrationItem(
    lockTimeoutMs: number,
    options?: FetchOrchestrationItemOptions,
  ): Promise<OrchestrationItem | null> {
    if (this.closed) throw closedError('fetchOrchestrationItem');
    return this.supply.fetchOrchestration(lockTimeoutMs, options);
  }

  /** {@inheritDoc Provider.ackOrchestrationItem} */
  async ackOrchestrationItem(lockToken: string, ack: OrchestrationAck): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    if (this.closed) throw closedError('ackOrchestrationItem');
    let effects: AckEffects | null;
    try {
      const profile = this.supply.prefetchProfile(lockToken, 'orchestrator');
      effects = await this.acks.ackTurn({
        instanceId,
        lockToken,
        ack,
        ...(profile?.queue === 'orchestrator' ? { prefetch: profile.lockTimeoutMs } : {}),
      });
    } catch (err) {
      // A failed ack may have lost the lease (or keep it): either way, stop suppressing wake-ups.
      this.ledger.release(instanceId, lockToken);
      throw err;
    }
    this.ledger.release(instanceId, lockToken);
    if (effects === null) {
      throw new LockLostError('orchestration lock expired or is unknown; the turn was not committed', {
        instanceId,
      });
    }
    this.wake.notifyTurn(instanceId, ack, effects.touchedInstances);
  }

  /** {@inheritDoc Provider.ackOrchestrationItemEager} */
  async ackOrchestrationItemEager(
    lockToken: string,
    ack: OrchestrationAck,
    eager: EagerWorkRequest,
  ): Promise<EagerAckResult> {
    if (this.closed) throw closedError('ackOrchestrationItem');
    return this.eagerAcks.ackEager(lockToken, ack, eager);
  }

  /** {@inheritDoc Provider.ackHeldTurn} */
  async ackHeldTurn(
    lockToken: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): Promise<HeldTurnResult> {
    if (this.closed) throw closedError('ackHeldTurn');
    return this.eagerAcks.ackHeld(lockToken, ack, completed, eager);
  }

  /** {@inheritDoc Provider.abandonOrchestrationItem} */
  async abandonOrchestrationItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    const delay = delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : undefined;
    const nowMs = this.now();
    this.ledger.release(instanceId, lockToken);
    this.supply.forgetProfile(lockToken);
    const released = await this.run('abandonOrchestrationItem', (db) =>
      abandonOrchestrationItem(this.ctx, db, { instanceId, lockToken, nowMs, delayMs: delay, ignoreAttempt }),
    );
    if (!released) {
      throw new LockLostError('orchestration lock token is unknown or already released', { instanceId });
    }
    this.wake.signalQueue('orchestrator', nowMs + (delay ?? 0));
  }

  /** {@inheritDoc Provider.renewOrchestrationItemLock} */
  async renewOrchestrationItemLock(lockToken: string, extendMs: number): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    const renewed = await this.run('renewOrchestrationItemLock', (db) =>
      renewOrchestrationItemLock(this.ctx, db, {
        instanceId,
        lockToken,
        nowMs: this.now(),
        extendMs: Math.ceil(extendMs),
      }),
    );
    if (!renewed) {
      this.ledger.release(instanceId, lockToken);
      throw new LockLostError('orchestration lock expired or is unknown', { instanceId });
    }
    this.ledger.extend(instanceId, this.now() + Math.ceil(extendMs));
  }

  /** {@inheritDoc Provider.enqueueOrchestratorWork} */
  async enqueueOrchestratorWork(item: OrchestratorWorkItem, delayMs?: number): Promise<void> {
    if (typeof item?.instance !== 'string') {
      throw new InvalidInputError('orchestrator work item must name its target instance');
    }
    if (this.closed) throw closedError('enqueueOrchestratorWork');
    const visibleAtMs = this.now() + (delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : 0);
    await this.orchestratorEnqueues.submit({ item, visibleAtMs });
    this.wake.signalOrchestratorMessage(item.instance, visibleAtMs);
    this.wake.notifyInstance(item.instance);
  }

  /** {@inheritDoc Provider.createInstance} */
  async createInstance(start: StartOrchestrationItem): Promise<boolean> {
    if (typeof start?.instance !== 'string') {
      throw new InvalidInputError('a start must name its instance');
    }
    if (this.closed) throw closedError('createInstance');
    const nowMs = this.now();
    const created = await this.creates.submit({ nowMs, start });
    if (!created) return false;
    this.wake.signalOrchestratorMessage(start.instance, nowMs);
    this.wake.notifyInstance(start.instance);
    return true;
  }

  // ---- worker queue -------------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchWorkItem} */
  async fetchWorkItem(lockTimeoutMs: number, options: FetchWorkItemOptions): Promise<WorkItemLease | null> {
    if (options.tagFilter.mode === 'none') return null;
    if (this.closed) throw closedError('fetchWorkItem');
    return this.supply.fetchWork(lockTimeoutMs, options);
  }

  /** {@inheritDoc Provider.ackWorkItem} */
  async ackWorkItem(lockToken: string, completion: OrchestratorWorkItem | null): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    if (this.closed) throw closedError('ackWorkItem');
    const profile = this.supply.prefetchProfile(lockToken, 'worker');
    const acked = await this.acks.ackCompletion({
      rowId,
      lockToken,
      completion,
      ...(profile?.queue === 'worker' ? { prefetch: profile.profile } : {}),
    });
    if (!acked) throw new LockLostError('activity lock expired, or the activity was withdrawn');
    if (completion === null) return;
    this.wake.notifyInstance(completion.instance);
  }

  /** {@inheritDoc Provider.renewWorkItemLock} */
  async renewWorkItemLock(lockToken: string, extendMs: number): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    const renewed = await this.run('renewWorkItemLock', (db) =>
      renewWorkItemLock(this.ctx, db, { rowId, lockToken, nowMs: this.now(), extendMs: Math.ceil(extendMs) }),
    );
    if (!renewed) throw new LockLostError('activity lock expired, or the activity was withdrawn');
  }

  /** {@inheritDoc Provider.abandonWorkItem} */
  async abandonWorkItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    const delay = delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : undefined;
    const nowMs = this.now();
    this.supply.forgetProfile(lockToken);
    const released = await this.run('abandonWorkItem', (db) =>
      abandonWorkItem(this.ctx, db, { rowId, lockToken, nowMs, delayMs: delay, ignoreAttempt }),
    );
    if (!released) throw new LockLostError('activity lock token is unknown or already released');
    this.wake.signalQueue('worker', nowMs + (delay ?? 0));
  }

  /** {@inheritDoc Provider.enqueueWorkerWork} */
  async enqueueWorkerWork(item: ActivityExecuteItem): Promise<void> {
    await this.run('enqueueWorkerWork', (db) => enqueueWorkerWork(this.ctx, db, { item, nowMs: this.now() }));
    this.wake.notify('worker', 1);
  }

  /** {@inheritDoc Provider.renewSessionLocks} */
  renewSessionLocks(ownerIds: string[], extendMs: number, idleTimeoutMs: number): Promise<number> {
    return this.run('renewSessionLocks', (db) =>
      renewSessionLocks(this.ctx, db, { ownerIds, nowMs: this.now(), extendMs, idleTimeoutMs }),
    );
  }

  /** {@inheritDoc Provider.cleanupOrphanedSessions} */
  cleanupOrphanedSessions(): Promise<number> {
    return this.run('cleanupOrphanedSessions', (db) =>
      cleanupOrphanedSessions(this.ctx, db, { nowMs: this.now() }),
    );
  }

  // ---- reads and management (admin.ts) ----------------------------------------------------

  /** {@inheritDoc Provider.readHistory} */
  readHistory(instanceId: string, executionId?: number): Promise<HistoryEvent[]> {
    return this.admin.readHistory(instanceId, executionId);
  }

  /** {@inheritDoc Provider.getInstanceInfo} */
  getInstanceInfo(instanceId: string): Promise<InstanceInfo | null> {
    return this.admin.getInstanceInfo(instanceId);
  }

  /** {@inheritDoc Provider.getKvValue} */
  getKvValue(instanceId: string, key: string): Promise<string | null> {
    return this.admin.getKvValue(instanceId, key);
  }

  /** {@inheritDoc Provider.getKvAllValues} */
  getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    return this.admin.getKvAllValues(instanceId);
  }

  /** {@inheritDoc Provider.listInstances} */
  listInstances(query?: InstanceQuery): Promise<InstanceInfo[]> {
    return this.admin.listInstances(query);
  }

  /** {@inheritDoc Provider.countInstances} */
  countInstances(query?: InstanceQuery): Promise<number> {
    return this.admin.countInstances(query);
  }

  /** {@inheritDoc Provider.listExecutions} */
  listExecutions(instanceId: string): Promise<number[]> {
    return this.admin.listExecutions(instanceId);
  }

  /** {@inheritDoc Provider.getExecutionInfo} */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo | null> {
    return this.admin.getExecutionInfo(instanceId, executionId);
  }

  /** {@inheritDoc Provider.listChildren} */
  listChildren(instanceId: string): Promise<string[]> {
    return this.admin.listChildren(instanceId);
  }

  /** {@inheritDoc Provider.deleteInstances} */
  deleteInstances(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    return this.admin.deleteInstances(instanceIds, force);
  }

  /** {@inheritDoc Provider.deleteInstanceBulk} */
  deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult> {
    return this.admin.deleteInstanceBulk(filter);
  }

  /** {@inheritDoc Provider.pruneExecutions} */
  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult> {
    return this.admin.pruneExecutions(instanceId, options);
  }

  /** {@inheritDoc Provider.pruneExecutionsBulk} */
  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult> {
    return this.admin.pruneExecutionsBulk(filter, options);
  }

  /** {@inheritDoc Provider.getSystemMetrics} */
  getSystemMetrics(): Promise<SystemMetrics> {
    return this.admin.getSystemMetrics();
  }

  /** {@inheritDoc Provider.registerWorker} */
  registerWorker(registration: WorkerRegistrationInput, ttlMs: number): Promise<void> {
    return this.admin.registerWorker(registration, ttlMs);
  }

  /** {@inheritDoc Provider.unregisterWorker} */
  unregisterWorker(workerId: string): Promise<void> {
    return this.admin.unregisterWorker(workerId);
  }

  /** {@inheritDoc Provider.listWorkers} */
  listWorkers(): Promise<WorkerRegistration[]> {
    return this.admin.listWorkers();
  }

  /** {@inheritDoc Provider.getQueueDepths} */
  getQueueDepths(): Promise<QueueDepths> {
    return this.admin.getQueueDepths();
  }

  /** {@inheritDoc Provider.getStoreActivity} */
  getStoreActivity(): Promise<StoreActivity> {
    return this.admin.getStoreActivity();
  }

  /** {@inheritDoc Provider.getInstanceStats} */
  getInstanceStats(instanceId: string): Promise<InstanceStats | null> {
    return this.admin.getInstanceStats(instanceId);
  }

  // ---- wake-ups -----------------------------------------------------------------------------

  /** {@inheritDoc Provider.waitForWork} */
  async waitForWork(queue: QueueKind, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw closedError('waitForWork');
    const dispatchers = this.supply.dispatchers[queue];
    dispatchers.enter();
    try {
      return await this.wake.waitForWork(queue, timeoutMs, signal);
    } finally {
      dispatchers.leave();
    }
  }

  /** {@inheritDoc Provider.waitForInstanceChange} */
  async waitForInstanceChange(
    instanceId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    filter?: InstanceChangeFilter,
  ): Promise<void> {
    if (this.closed) throw closedError('waitForInstanceChange');
    return this.wake.waitForInstanceChange(instanceId, timeoutMs, signal, filter);
  }

  /** Ends the LISTEN connection and the pool, clears timers and releases waiters. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Leases locked ahead go back first (without counting the attempt), so others need not
    // wait for them to expire.
    await Promise.allSettled([
      ...this.supply.orchestratorBuffer
        .clear()
        .map((item) => this.abandonOrchestrationItem(item.lockToken, undefined, true)),
      ...this.supply.workerBuffer
        .clear()
        .map((lease) => this.abandonWorkItem(lease.lockToken, undefined, true)),
    ]);
    if (this.closed) return;
    this.closed = true;
    this.wake.close();
    // Idle sockets are unref'd (allowExitOnIdle, the LISTEN client): hold the event loop open
    // until they have ended, or a script awaiting close() would exit before it settles.
    const holdOpen = setInterval(() => undefined, 60_000);
    try {
      await this.listener?.close();
      this.listener = null;
      await this.pool.end();
    } finally {
      clearInterval(holdOpen);
    }
  }
}
