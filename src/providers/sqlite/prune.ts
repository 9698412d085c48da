/**
 * Execution pruning: deletes old executions (rows and history) of instances that continue as
 * new, keeping the current execution, every Running one and the newest `keepLast`. KV state is
 * instance-wide and untouched. Safe while the instance runs: its current execution (the only
 * one a turn reads or the history cache holds) is never pruned.
 */
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import type { InstanceFilter, PruneOptions, PruneResult } from '../../core/provider.js';
import { countArg, idsArg, timeArg } from './admin-input.js';

const SELECT_CURRENT_EXECUTION = 'SELECT current_execution_id FROM instances WHERE instance_id = ?';

// Executions older than the current one, not Running, outside the newest @keep, and (when
// @completedBefore is not NULL) completed before it.
const SELECT_PRUNABLE = `
  SELECT execution_id FROM executions
  WHERE instance_id = @instanceId AND execution_id < @current AND status <> 'Running'
    AND (@completedBefore IS NULL OR completed_at < @completedBefore)
    AND execution_id NOT IN (
      SELECT execution_id FROM executions WHERE instance_id = @instanceId
      ORDER BY execution_id DESC LIMIT @keep)
  ORDER BY execution_id`;

const IN_EXECUTIONS =
  'instance_id = @instanceId AND execution_id IN (SELECT value FROM json_each(@executionIds))';
const DELETE_HISTORY = `DELETE FROM history WHERE ${IN_EXECUTIONS}`;
const DELETE_EXECUTIONS = `DELETE FROM executions WHERE ${IN_EXECUTIONS}`;

/**
 * Instances (any status) that have at least one execution the options would prune, oldest
 * first. Selecting only those makes repeated bulk prunes of a large store progress instead of
 * re-visiting the same first `limit` instances.
 */
function bulkInstancesSql(withIds: boolean): string {
  return `
    SELECT i.instance_id FROM instances AS i
    WHERE i.current_execution_id > 1
      ${withIds ? 'AND i.instance_id IN (SELECT value FROM json_each(@ids))' : ''}
      AND EXISTS (
        SELECT 1 FROM executions AS e
        WHERE e.instance_id = i.instance_id AND e.execution_id < i.current_execution_id
          AND e.status <> 'Running'
          AND (@completedBefore IS NULL OR e.completed_at < @completedBefore)
          AND (SELECT count(*) FROM executions AS x
               WHERE x.instance_id = e.instance_id AND x.execution_id > e.execution_id) >= @keep)
    ORDER BY i.created_at, i.instance_id
    LIMIT @limit`;
}

/** Checked prune options: how many to keep (at least the current) and the cutoff. */
interface PruneParams {
  keep: number;
  completedBefore: number | null;
}

function pruneParams(options: PruneOptions, filterCutoff?: number): PruneParams {
  const keepLast = countArg('options.keepLast', options.keepLast, 1);
  const optionCutoff = timeArg('options.completedBefore', options.completedBefore);
  const cutoffs = [optionCutoff, filterCutoff].filter((t): t is number => t !== undefined);
  return {
    keep: Math.max(keepLast, 1),
    completedBefore: cutoffs.length === 0 ? null : Math.min(...cutoffs),
  };
}

/** Prune statements on one connection. */
export class ExecutionPruner {
  private readonly selectCurrentExecution;
  private readonly selectPrunable;
  private readonly deleteHistory;
  private readonly deleteExecutions;
  private readonly bulkInstances;
  private readonly pruneTx;
  private readonly bulkTx;

  constructor(db: Database.Database) {
    this.selectCurrentExecution = db.prepare<[string], number>(SELECT_CURRENT_EXECUTION).pluck();
    this.selectPrunable = db
      .prepare<{ instanceId: string; current: number } & PruneParams, number>(SELECT_PRUNABLE)
      .pluck();
    this.deleteHistory = db.prepare<{ instanceId: string; executionIds: string }>(DELETE_HISTORY);
    this.deleteExecutions = db.prepare<{ instanceId: string; executionIds: string }>(DELETE_EXECUTIONS);
    this.bulkInstances = [false, true].map((withIds) => db.prepare(bulkInstancesSql(withIds)).pluck());
    this.pruneTx = db.transaction((instanceId: string, options: PruneOptions) => {
      const current = this.selectCurrentExecution.get(instanceId);
      if (current === undefined) throw new NotFoundError(`instance ${instanceId} not found`, { instanceId });
      return this.pruneOne(instanceId, current, pruneParams(options));
    });
    this.bulkTx = db.transaction((filter: InstanceFilter, options: PruneOptions) =>
      this.bulkRaw(filter, options),
    );
  }

  /** Prunes one instance; `NotFoundError` when it does not exist. */
  prune(instanceId: string, options: PruneOptions): PruneResult {
    return this.pruneTx.immediate(instanceId, options);
  }

  /**
   * Prunes up to `filter.limit` (default 1000) instances of any status, running ones included
   * (an eternal continue-as-new instance is what pruning is for). `filter.completedBefore` is
   * applied to the executions, like `options.completedBefore` (the earlier cutoff wins when
   * both are given), not to the instance: a running instance has no completion time.
   * `instancesProcessed` counts the instances that had executions to prune.
   */
  pruneBulk(filter: InstanceFilter, options: PruneOptions): PruneResult {
    return this.bulkTx.immediate(filter, options);
  }

  private bulkRaw(filter: InstanceFilter, options: PruneOptions): PruneResult {
    const ids = idsArg('filter.instanceIds', filter.instanceIds);
    const limit = countArg('filter.limit', filter.limit, 1000);
    const params = pruneParams(options, timeArg('filter.completedBefore', filter.completedBefore));
    const total: PruneResult = { instancesProcessed: 0, executionsDeleted: 0, eventsDeleted: 0 };
    if (limit === 0 || ids?.length === 0) return total;
    const instanceIds = this.bulkInstances[ids === undefined ? 0 : 1]!.all({
      ...params,
      ids: JSON.stringify(ids ?? []),
      limit,
    }) as string[];
    for (const instanceId of instanceIds) {
      const current = this.selectCurrentExecution.get(instanceId)!;
      const one = this.pruneOne(instanceId, current, params);
      total.instancesProcessed += one.instancesProcessed;
      total.executionsDeleted += one.executionsDeleted;
      total.eventsDeleted += one.eventsDeleted;
    }
    return total;
  }

  private pruneOne(instanceId: string, current: number, params: PruneParams): PruneResult {
    const executionIds = this.selectPrunable.all({ instanceId, current, ...params });
    if (executionIds.length === 0) return { instancesProcessed: 1, executionsDeleted: 0, eventsDeleted: 0 };
    const target = { instanceId, executionIds: JSON.stringify(executionIds) };
    return {
      instancesProcessed: 1,
      eventsDeleted: this.deleteHistory.run(target).changes,
      executionsDeleted: this.deleteExecutions.run(target).changes,
    };
  }
}
