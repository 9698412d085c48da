/**
 * Admin and management operations: history, status and KV reads, instance listing and
 * counting, deletion and pruning, metrics and worker registrations. Each is one round trip;
 * deletions also drop the instance from the history cache and wake its status waiters.
 */
import type { HistoryEvent } from '../../core/history.js';
import type {
  DeleteInstanceResult,
  ExecutionInfo,
  InstanceFilter,
  InstanceInfo,
  InstanceQuery,
  InstanceStats,
  PruneOptions,
  PruneResult,
  QueueDepths,
  StoreActivity,
  SystemMetrics,
  WorkerRegistration,
  WorkerRegistrationInput,
} from '../../core/provider.js';
import type { Run } from './connection.js';
import type { HistoryCache } from './history-cache.js';
import type { QueryContext } from './queries/context.js';
import { countInstances } from './queries/count-instances.js';
import { deleteInstanceBulk } from './queries/delete-instance-bulk.js';
import { deleteInstances } from './queries/delete-instances.js';
import { getExecutionInfo } from './queries/get-execution-info.js';
import { getInstanceInfo } from './queries/get-instance-info.js';
import { getInstanceStats } from './queries/get-instance-stats.js';
import { getKvAllValues } from './queries/get-kv-all-values.js';
import { getKvValue } from './queries/get-kv-value.js';
import { getQueueDepths } from './queries/get-queue-depths.js';
import { getStoreActivity } from './queries/get-store-activity.js';
import { getSystemMetrics } from './queries/get-system-metrics.js';
import { listChildren } from './queries/list-children.js';
import { listExecutions } from './queries/list-executions.js';
import { listInstances } from './queries/list-instances.js';
import { pruneExecutionsBulk } from './queries/prune-executions-bulk.js';
import { pruneExecutions } from './queries/prune-executions.js';
import { readHistory } from './queries/read-history.js';
import { listWorkers, registerWorker, unregisterWorker } from './queries/workers.js';
import type { WakeSignals } from './wakeups.js';

export interface PostgresAdminDeps {
  ctx: QueryContext;
  run: Run;
  wake: WakeSignals;
  historyCache: HistoryCache;
}

export class PostgresAdmin {
  constructor(private readonly deps: PostgresAdminDeps) {}

  // ---- reads --------------------------------------------------------------------------------

  /** {@inheritDoc Provider.readHistory} */
  readHistory(instanceId: string, executionId?: number): Promise<HistoryEvent[]> {
    return this.deps.run('readHistory', (db) =>
      readHistory(
        this.deps.ctx,
        db,
        executionId === undefined ? { instanceId } : { instanceId, executionId },
      ),
    );
  }

  /** {@inheritDoc Provider.getInstanceInfo} */
  getInstanceInfo(instanceId: string): Promise<InstanceInfo | null> {
    return this.deps.run('getInstanceInfo', (db) => getInstanceInfo(this.deps.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.getKvValue} */
  getKvValue(instanceId: string, key: string): Promise<string | null> {
    return this.deps.run('getKvValue', (db) => getKvValue(this.deps.ctx, db, { instanceId, key }));
  }

  /** {@inheritDoc Provider.getKvAllValues} */
  getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    return this.deps.run('getKvAllValues', (db) => getKvAllValues(this.deps.ctx, db, { instanceId }));
  }

  // ---- management ---------------------------------------------------------------------------

  /** {@inheritDoc Provider.listInstances} */
  listInstances(query?: InstanceQuery): Promise<InstanceInfo[]> {
    return this.deps.run('listInstances', (db) =>
      listInstances(this.deps.ctx, db, query === undefined ? {} : { query }),
    );
  }

  /** {@inheritDoc Provider.countInstances} */
  countInstances(query?: InstanceQuery): Promise<number> {
    return this.deps.run('countInstances', (db) =>
      countInstances(this.deps.ctx, db, query === undefined ? {} : { query }),
    );
  }

  /** {@inheritDoc Provider.listExecutions} */
  listExecutions(instanceId: string): Promise<number[]> {
    return this.deps.run('listExecutions', (db) => listExecutions(this.deps.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.getExecutionInfo} */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo | null> {
    return this.deps.run('getExecutionInfo', (db) =>
      getExecutionInfo(this.deps.ctx, db, { instanceId, executionId }),
    );
  }

  /** {@inheritDoc Provider.listChildren} */
  listChildren(instanceId: string): Promise<string[]> {
    return this.deps.run('listChildren', (db) => listChildren(this.deps.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.deleteInstances} */
  async deleteInstances(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    const result = await this.deps.run('deleteInstances', (db) =>
      deleteInstances(this.deps.ctx, db, { instanceIds, force }),
    );
    for (const instanceId of new Set(instanceIds)) {
      this.deps.historyCache.delete(instanceId);
      this.deps.wake.notifyInstance(instanceId);
    }
    return result;
  }

  /** {@inheritDoc Provider.deleteInstanceBulk} */
  async deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult> {
    const outcome = await this.deps.run('deleteInstanceBulk', (db) =>
      deleteInstanceBulk(this.deps.ctx, db, { filter }),
    );
    for (const instanceId of outcome.instanceIds) {
      this.deps.historyCache.delete(instanceId);
      this.deps.wake.notifyInstance(instanceId);
    }
    return outcome.result;
  }

  /** {@inheritDoc Provider.pruneExecutions} */
  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult> {
    return this.deps.run('pruneExecutions', (db) =>
      pruneExecutions(this.deps.ctx, db, { instanceId, options }),
    );
  }

  /** {@inheritDoc Provider.pruneExecutionsBulk} */
  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult> {
    return this.deps.run('pruneExecutionsBulk', (db) =>
      pruneExecutionsBulk(this.deps.ctx, db, { filter, options }),
    );
  }

  /** {@inheritDoc Provider.getSystemMetrics} */
  getSystemMetrics(): Promise<SystemMetrics> {
    return this.deps.run('getSystemMetrics', (db) => getSystemMetrics(this.deps.ctx, db));
  }

  /** {@inheritDoc Provider.registerWorker} */
  registerWorker(registration: WorkerRegistrationInput, ttlMs: number): Promise<void> {
    return this.deps.run('registerWorker', (db) =>
      registerWorker(this.deps.ctx, db, { registration, ttlMs, nowMs: this.deps.ctx.options.clock.now() }),
    );
  }

  /** {@inheritDoc Provider.unregisterWorker} */
  unregisterWorker(workerId: string): Promise<void> {
    return this.deps.run('unregisterWorker', (db) => unregisterWorker(this.deps.ctx, db, { workerId }));
  }

  /** {@inheritDoc Provider.listWorkers} */
  listWorkers(): Promise<WorkerRegistration[]> {
    return this.deps.run('listWorkers', (db) =>
      listWorkers(this.deps.ctx, db, { nowMs: this.deps.ctx.options.clock.now() }),
    );
  }

  /** {@inheritDoc Provider.getQueueDepths} */
  getQueueDepths(): Promise<QueueDepths> {
    return this.deps.run('getQueueDepths', (db) =>
      getQueueDepths(this.deps.ctx, db, { nowMs: this.deps.ctx.options.clock.now() }),
    );
  }

  /** {@inheritDoc Provider.getStoreActivity} */
  getStoreActivity(): Promise<StoreActivity> {
    return this.deps.run('getStoreActivity', (db) =>
      getStoreActivity(this.deps.ctx, db, { nowMs: this.deps.ctx.options.clock.now() }),
    );
  }

  /** {@inheritDoc Provider.getInstanceStats} */
  getInstanceStats(instanceId: string): Promise<InstanceStats | null> {
    return this.deps.run('getInstanceStats', (db) => getInstanceStats(this.deps.ctx, db, { instanceId }));
  }
}
