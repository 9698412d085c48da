/**
 * The management operations of the SQLite provider (listing, deletion, pruning, metrics), in
 * their own file: `SqliteProvider` extends this class and supplies its statement groups and its
 * operation runner (group commit + busy retry), so each operation runs like any other.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
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
} from '../../core/provider.js';
import type { HistoryCache } from './history-cache.js';
import { InstanceDeleter } from './instance-delete.js';
import { InstanceQueries } from './instance-queries.js';
import { StoreMetrics } from './metrics.js';
import { ExecutionPruner } from './prune.js';

/** Management statement groups of one connection. */
export interface AdminTables {
  queries: InstanceQueries;
  deleter: InstanceDeleter;
  pruner: ExecutionPruner;
  metrics: StoreMetrics;
  /** The store's time (queue depths count what is visible now). */
  clock: Clock;
}

/** Prepares the management statements; `historyCache` is the one the fetch uses. */
export function prepareAdminTables(
  db: Database.Database,
  historyCache: HistoryCache,
  clock: Clock,
): AdminTables {
  return {
    clock,
    queries: new InstanceQueries(db),
    deleter: new InstanceDeleter(db, historyCache),
    pruner: new ExecutionPruner(db),
    metrics: new StoreMetrics(db),
  };
}

/** Management half of `SqliteProvider`. */
export abstract class SqliteAdminOperations {
  /** Runs one synchronous operation the way every provider operation runs. */
  protected abstract run<T>(operation: string, attempt: () => T): Promise<T>;

  /** The management statements of the open connection. */
  protected abstract get admin(): AdminTables;

  /** Called after a delete committed, with every instance id it covered. */
  protected abstract instancesDeleted(instanceIds: readonly string[]): void;

  /** {@inheritDoc Provider.listInstances} */
  listInstances(query?: InstanceQuery): Promise<InstanceInfo[]> {
    return this.run('listInstances', () => this.admin.queries.list(query));
  }

  /** {@inheritDoc Provider.countInstances} */
  countInstances(query?: InstanceQuery): Promise<number> {
    return this.run('countInstances', () => this.admin.queries.count(query));
  }

  /** {@inheritDoc Provider.listExecutions} */
  listExecutions(instanceId: string): Promise<number[]> {
    return this.run('listExecutions', () => this.admin.queries.executionIds(instanceId));
  }

  /** {@inheritDoc Provider.getExecutionInfo} */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo | null> {
    return this.run('getExecutionInfo', () => this.admin.queries.executionInfo(instanceId, executionId));
  }

  /** {@inheritDoc Provider.listChildren} */
  listChildren(instanceId: string): Promise<string[]> {
    return this.run('listChildren', () => this.admin.queries.children(instanceId));
  }

  /**
   * {@inheritDoc Provider.deleteInstances}
   *
   * An instance whose current execution is ContinuedAsNew counts as running (its next
   * execution is queued). Ids without an instance row are not counted, but their queued
   * messages are deleted too. Waiters on the deleted instances are woken.
   */
  async deleteInstances(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    const outcome = await this.run('deleteInstances', () => this.admin.deleter.delete(instanceIds, force));
    this.instancesDeleted(outcome.instanceIds);
    return outcome.result;
  }

  /**
   * {@inheritDoc Provider.deleteInstanceBulk}
   *
   * Takes root instances whose current execution is Completed or Failed (ContinuedAsNew means
   * the instance goes on), oldest first; descendants are deleted whatever their status. An
   * empty `instanceIds` list matches nothing.
   */
  async deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult> {
    const outcome = await this.run('deleteInstanceBulk', () => this.admin.deleter.deleteBulk(filter));
    this.instancesDeleted(outcome.instanceIds);
    return outcome.result;
  }

  /** {@inheritDoc Provider.pruneExecutions} */
  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult> {
    return this.run('pruneExecutions', () => this.admin.pruner.prune(instanceId, options));
  }

  /**
   * {@inheritDoc Provider.pruneExecutionsBulk}
   *
   * Takes instances that have something to prune, oldest first, so repeated calls progress
   * through a large store; `instancesProcessed` counts those. `filter.completedBefore` applies
   * to the executions like `options.completedBefore` (the earlier of the two wins), not to the
   * instance, since a running instance has no completion time.
   */
  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult> {
    return this.run('pruneExecutionsBulk', () => this.admin.pruner.pruneBulk(filter, options));
  }

  /** {@inheritDoc Provider.getSystemMetrics} */
  getSystemMetrics(): Promise<SystemMetrics> {
    return this.run('getSystemMetrics', () => this.admin.metrics.systemMetrics());
  }

  /** {@inheritDoc Provider.getQueueDepths} */
  getQueueDepths(): Promise<QueueDepths> {
    return this.run('getQueueDepths', () => this.admin.metrics.queueDepths(this.admin.clock.now()));
  }

  /** {@inheritDoc Provider.getStoreActivity} */
  getStoreActivity(): Promise<StoreActivity> {
    return this.run('getStoreActivity', () => this.admin.metrics.storeActivity(this.admin.clock.now()));
  }

  /** {@inheritDoc Provider.getInstanceStats} */
  getInstanceStats(instanceId: string): Promise<InstanceStats | null> {
    return this.run('getInstanceStats', () => this.admin.metrics.instanceStats(instanceId));
  }
}
