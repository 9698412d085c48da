/**
 * The SQLite provider: one better-sqlite3 connection per provider, WAL, statements prepared once,
 * every write one `BEGIN IMMEDIATE` transaction retried asynchronously while another process
 * holds the write lock. Several processes may share one database file.
 */
import type Database from 'better-sqlite3';
import { ProviderError } from '../../core/errors.js';
import type {
  ActivityExecuteItem,
  HistoryEvent,
  OrchestratorWorkItem,
  StartOrchestrationItem,
} from '../../core/history.js';
import type {
  FetchOrchestrationItemOptions,
  FetchWorkItemOptions,
  InstanceInfo,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  EagerAckResult,
  EagerWorkRequest,
  HeldCompletion,
  HeldTurnResult,
  InstanceChangeFilter,
  QueueKind,
  RecommendedRuntimeOptions,
  WorkItemLease,
  WorkerRegistration,
  WorkerRegistrationInput,
} from '../../core/provider.js';
import { toProviderError, withBusyRetry } from './busy-retry.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { GroupCommitter } from './group-commit.js';
import { configureConnection, openDatabase, parseSqliteLocation, type SqliteLocation } from './connection.js';
import { migrations } from './generated/migrations.js';
import { migrateSqliteSchema } from './migrate.js';
import type { AckEffects } from './orchestration-ack.js';
import {
  compileSqliteOptions,
  type CompiledSqliteOptions,
  type SqliteProviderOptions,
} from './sqlite-options.js';
import { SqliteAdminOperations, type AdminTables } from './sqlite-admin.js';
import { prepareTables, type Tables } from './tables.js';
import { WakeSignals } from './wakeups.js';
import { SQLITE_RECOMMENDED_OPTIONS } from './recommended.js';

/** What an eager ack locked and held, from its effects. */
function eagerResult(effects: AckEffects): EagerAckResult {
  return effects.heldUntilMs === undefined
    ? { leases: effects.leases }
    : { leases: effects.leases, heldUntilMs: effects.heldUntilMs };
}

/**
 * A durox store in a SQLite file (or in memory).
 *
 * @example
 * const provider = await SqliteProvider.open('sqlite:./durox.db');
 * // … hand it to a Runtime and a Client …
 * await provider.close();
 */
export class SqliteProvider extends SqliteAdminOperations implements Provider {
  /** Short name for logs and metrics. */
  readonly name = 'sqlite';

  /** {@inheritDoc Provider.recommendedRuntimeOptions} (see recommended.ts). */
  recommendedRuntimeOptions(): RecommendedRuntimeOptions {
    return { ...SQLITE_RECOMMENDED_OPTIONS };
  }
  private readonly tables: Tables;
  private readonly wake: WakeSignals;
  private checkpointer: Checkpointer | null = null;
  private readonly committer: GroupCommitter;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    location: SqliteLocation,
    private readonly options: CompiledSqliteOptions,
  ) {
    super();
    this.tables = prepareTables(db, options);
    this.committer = new GroupCommitter(db, options.busyTimeoutMs, () => this.tables.fetcher.clearCache());
    const channel = location.kind === 'file' ? location.path : undefined;
    this.wake = new WakeSignals((queue, now) => this.nextDueAt(queue, now), channel, options.clock);
  }

  /**
   * Opens (creating if needed) and migrates a database. Accepts `sqlite:./x.db`,
   * `sqlite:/abs/x.db`, `sqlite:///abs/x.db`, a bare path, or `sqlite::memory:` (a private
   * in-memory database). Missing parent directories are created.
   *
   * @throws InvalidInputError for a malformed location or options.
   * @throws SchemaTooNewError when a newer durox migrated the file with a breaking change.
   */
  static async open(pathOrUrl: string, options?: SqliteProviderOptions): Promise<SqliteProvider> {
    const compiled = compileSqliteOptions(options);
    return SqliteProvider.openAt(parseSqliteLocation(pathOrUrl), compiled);
  }

  /** Opens a private in-memory database (gone when closed). */
  static async inMemory(options?: SqliteProviderOptions): Promise<SqliteProvider> {
    return SqliteProvider.openAt({ kind: 'memory' }, compileSqliteOptions(options));
  }

  private static async openAt(
    location: SqliteLocation,
    options: CompiledSqliteOptions,
  ): Promise<SqliteProvider> {
    let db: Database.Database;
    try {
      db = openDatabase(location);
    } catch (err) {
      throw toProviderError('open', err);
    }
    try {
      const retry = <T>(operation: string, attempt: () => T): Promise<T> =>
        withBusyRetry(operation, options.busyTimeoutMs, attempt);
      await retry('open', () => configureConnection(db, location, options));
      await migrateSqliteSchema(db, migrations, { retry });
      const provider = new SqliteProvider(db, location, options);
      if (location.kind === 'file') {
        provider.checkpointer = startCheckpointer(
          location.path,
          options.durability === 'full' ? 'FULL' : 'NORMAL',
        );
        // With the checkpoint thread running, the Node thread never checkpoints inline.
        if (provider.checkpointer) db.pragma('wal_autocheckpoint = 0');
      }
      // Epoch ms, so 0 takes every stored message.
      provider.wake.rearm('orchestrator', 0);
      provider.wake.rearm('worker', 0);
      return provider;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Runs one synchronous operation under the busy retry, failing clearly once closed. */
  protected override run<T>(operation: string, attempt: () => T): Promise<T> {
    if (this.closed)
      return Promise.reject(new ProviderError(operation, 'the SQLite provider is closed', false));
    return this.committer.run(operation, () => {
      if (this.closed) throw new ProviderError(operation, 'the SQLite provider is closed', false);
      return attempt();
    });
  }

  protected override get admin(): AdminTables {
    return this.tables.admin;
  }

  /** Deleted instances changed: wake their waiters (they will find them gone). */
  protected override instancesDeleted(instanceIds: readonly string[]): void {
    for (const instanceId of instanceIds) this.wake.notifyInstance(instanceId);
  }

  private nextDueAt(queue: QueueKind, afterMs: number): number | null {
    if (this.closed) return null;
    return queue === 'orchestrator'
      ? this.tables.orchestratorQueue.nextDueAt(afterMs)
      : this.tables.workerQueue.nextDueAt(afterMs);
  }

  /** Wakes waiters on `queue` now, or arms the timer for `visibleAt`. */
  private signalQueue(queue: QueueKind, visibleAt: number): void {
    if (visibleAt <= this.options.clock.now()) this.wake.notify(queue, 1);
    else this.wake.scheduleAt(queue, visibleAt);
  }

  // ---- orchestrator queue -------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchOrchestrationItem} */
  fetchOrchestrationItem(
    lockTimeoutMs: number,
    options?: FetchOrchestrationItemOptions,
  ): Promise<OrchestrationItem | null> {
    return this.run('fetchOrchestrationItem', () =>
      this.tables.fetcher.fetch(lockTimeoutMs, options?.skipOrchestrations ?? []),
    );
  }

  /** {@inheritDoc Provider.ackOrchestrationItem} */
  async ackOrchestrationItem(lockToken: string, ack: OrchestrationAck): Promise<void> {
    const effects = await this.run('ackOrchestrationItem', () => this.tables.ack.ack(lockToken, ack));
    this.signalAck(effects, ack);
  }

  /** {@inheritDoc Provider.ackOrchestrationItemEager} */
  async ackOrchestrationItemEager(
    lockToken: string,
    ack: OrchestrationAck,
    eager: EagerWorkRequest,
  ): Promise<EagerAckResult> {
    const effects = await this.run('ackOrchestrationItem', () => this.tables.ack.ack(lockToken, ack, eager));
    this.signalAck(effects, ack);
    return eagerResult(effects);
  }

  /** {@inheritDoc Provider.ackHeldTurn} */
  async ackHeldTurn(
    lockToken: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): Promise<HeldTurnResult> {
    const held = await this.run('ackOrchestrationItem', () =>
      this.tables.ack.heldAck(lockToken, ack, completed, eager),
    );
    if (held.committed) {
      this.signalAck(held.effects, ack);
      return { outcome: 'committed', ...eagerResult(held.effects) };
    }
    this.wake.notify('orchestrator', 1);
    this.wake.notifyInstance(held.instanceId);
    return { outcome: 'released' };
  }

  private signalAck(effects: AckEffects, ack: OrchestrationAck): void {
    if (effects.orchestratorReady > 0) this.wake.notify('orchestrator', effects.orchestratorReady);
    if (effects.orchestratorDueAt !== null) this.wake.scheduleAt('orchestrator', effects.orchestratorDueAt);
    if (effects.workerReady > 0) this.wake.notify('worker', effects.workerReady);
    this.wake.notifyTurn(effects.instanceId, ack, effects.touchedInstances);
  }

  /** {@inheritDoc Provider.abandonOrchestrationItem} */
  async abandonOrchestrationItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const visibleAt = await this.run('abandonOrchestrationItem', () =>
      this.tables.orchestratorQueue.abandon(lockToken, delayMs, ignoreAttempt),
    );
    this.signalQueue('orchestrator', visibleAt);
  }

  /** {@inheritDoc Provider.renewOrchestrationItemLock} */
  renewOrchestrationItemLock(lockToken: string, extendMs: number): Promise<void> {
    return this.run('renewOrchestrationItemLock', () =>
      this.tables.orchestratorQueue.renew(lockToken, extendMs),
    );
  }

  /** {@inheritDoc Provider.enqueueOrchestratorWork} */
  async enqueueOrchestratorWork(item: OrchestratorWorkItem, delayMs?: number): Promise<void> {
    const visibleAt = await this.run('enqueueOrchestratorWork', () => {
      const at = this.options.clock.now() + (delayMs !== undefined && delayMs > 0 ? delayMs : 0);
      this.tables.orchestratorQueue.enqueue(item, at);
      return at;
    });
    this.signalQueue('orchestrator', visibleAt);
    this.wake.notifyInstance(item.instance);
  }

  /** {@inheritDoc Provider.createInstance} */
  async createInstance(start: StartOrchestrationItem): Promise<boolean> {
    const created = await this.run('createInstance', () =>
      this.tables.orchestratorQueue.createInstance(start, this.options.clock.now()),
    );
    if (!created) return false;
    this.wake.notify('orchestrator', 1);
    this.wake.notifyInstance(start.instance);
    return true;
  }

  // ---- worker queue -------------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchWorkItem} */
  async fetchWorkItem(lockTimeoutMs: number, options: FetchWorkItemOptions): Promise<WorkItemLease | null> {
    if (options.tagFilter.mode === 'none') return null;
    return this.run('fetchWorkItem', () => this.tables.workerQueue.fetch(lockTimeoutMs, options));
  }

  /** {@inheritDoc Provider.ackWorkItem} */
  async ackWorkItem(lockToken: string, completion: OrchestratorWorkItem | null): Promise<void> {
    await this.run('ackWorkItem', () => this.tables.workerQueue.ack(lockToken, completion));
    if (completion === null) return;
    this.wake.notify('orchestrator', 1);
    this.wake.notifyInstance(completion.instance);
  }

  /** {@inheritDoc Provider.renewWorkItemLock} */
  renewWorkItemLock(lockToken: string, extendMs: number): Promise<void> {
    return this.run('renewWorkItemLock', () => this.tables.workerQueue.renew(lockToken, extendMs));
  }

  /** {@inheritDoc Provider.abandonWorkItem} */
  async abandonWorkItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const visibleAt = await this.run('abandonWorkItem', () =>
      this.tables.workerQueue.abandon(lockToken, delayMs, ignoreAttempt),
    );
    this.signalQueue('worker', visibleAt);
  }

  /** {@inheritDoc Provider.enqueueWorkerWork} */
  async enqueueWorkerWork(item: ActivityExecuteItem): Promise<void> {
    await this.run('enqueueWorkerWork', () => this.tables.workerQueue.enqueue(item));
    this.wake.notify('worker', 1);
  }

  /** {@inheritDoc Provider.renewSessionLocks} */
  renewSessionLocks(ownerIds: string[], extendMs: number, idleTimeoutMs: number): Promise<number> {
    return this.run('renewSessionLocks', () => this.tables.sessions.renew(ownerIds, extendMs, idleTimeoutMs));
  }

  /** {@inheritDoc Provider.cleanupOrphanedSessions} */
  cleanupOrphanedSessions(): Promise<number> {
    return this.run('cleanupOrphanedSessions', () => this.tables.sessions.cleanupOrphaned());
  }

  // ---- worker registry ----------------------------------------------------------------------

  /** {@inheritDoc Provider.registerWorker} */
  registerWorker(registration: WorkerRegistrationInput, ttlMs: number): Promise<void> {
    return this.run('registerWorker', () => this.tables.workers.register(registration, ttlMs));
  }

  /** {@inheritDoc Provider.unregisterWorker} */
  unregisterWorker(workerId: string): Promise<void> {
    return this.run('unregisterWorker', () => this.tables.workers.unregister(workerId));
  }

  /** {@inheritDoc Provider.listWorkers} */
  listWorkers(): Promise<WorkerRegistration[]> {
    return this.run('listWorkers', () => this.tables.workers.listLive());
  }

  // ---- reads --------------------------------------------------------------------------------

  /** {@inheritDoc Provider.readHistory} */
  readHistory(instanceId: string, executionId?: number): Promise<HistoryEvent[]> {
    return this.run('readHistory', () => this.tables.reads.readHistory(instanceId, executionId));
  }

  /** {@inheritDoc Provider.getInstanceInfo} */
  getInstanceInfo(instanceId: string): Promise<InstanceInfo | null> {
    return this.run('getInstanceInfo', () => this.tables.reads.getInstanceInfo(instanceId));
  }

  /** {@inheritDoc Provider.getKvValue} */
  getKvValue(instanceId: string, key: string): Promise<string | null> {
    return this.run('getKvValue', () => this.tables.kv.get(instanceId, key));
  }

  /** {@inheritDoc Provider.getKvAllValues} */
  getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    return this.run('getKvAllValues', () => this.tables.kv.getAll(instanceId));
  }

  // ---- wake-ups -----------------------------------------------------------------------------

  /** {@inheritDoc Provider.waitForWork} */
  async waitForWork(queue: QueueKind, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.assertOpen('waitForWork');
    return this.wake.waitForWork(queue, timeoutMs, signal);
  }

  /** {@inheritDoc Provider.waitForInstanceChange} */
  async waitForInstanceChange(
    instanceId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    filter?: InstanceChangeFilter,
  ): Promise<void> {
    this.assertOpen('waitForInstanceChange');
    return this.wake.waitForInstanceChange(instanceId, timeoutMs, signal, filter);
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new ProviderError(operation, 'the SQLite provider is closed', false);
  }

  /** Closes the database and clears timers; releases pending waiters. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake.close();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
