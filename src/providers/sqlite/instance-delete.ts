/**
 * Instance deletion: a list of instances (the client passes a root with its descendants), or
 * terminal root instances chosen by a filter, each with its whole tree. One IMMEDIATE
 * transaction each time.
 *
 * Deleting an instance's lease is what stops an in-flight turn of a force-deleted instance
 * from recreating it: that turn's ack finds no lease and fails with `LockLostError`.
 */
import type Database from 'better-sqlite3';
import { InstanceStillRunningError, InvalidInputError } from '../../core/errors.js';
import type { DeleteInstanceResult, InstanceFilter } from '../../core/provider.js';
import { countArg, idsArg, timeArg } from './admin-input.js';
import type { HistoryCache } from './history-cache.js';

/** Table rows of the instances in `@ids` (a JSON array). */
const IN_IDS = 'instance_id IN (SELECT value FROM json_each(@ids))';

// Continue-as-new leaves the current execution ContinuedAsNew until the next execution's first
// ack: the instance is still running then. (`+status` keeps the planner on the primary key:
// the listed ids are few, running instances may be many.)
const SELECT_RUNNING = `
  SELECT instance_id FROM instances
  WHERE ${IN_IDS} AND +status IN ('Running', 'ContinuedAsNew')
  ORDER BY instance_id LIMIT 1`;

// A child of a listed instance that is not listed itself (spawned after the caller read the
// tree). Uses idx_instances_parent.
const SELECT_UNLISTED_CHILD = `
  SELECT instance_id, parent_instance_id FROM instances
  WHERE parent_instance_id IN (SELECT value FROM json_each(@ids))
    AND instance_id NOT IN (SELECT value FROM json_each(@ids))
  ORDER BY instance_id LIMIT 1`;

// Every table keyed by instance id; `counted` ones feed the result.
const DELETES = {
  history: `DELETE FROM history WHERE ${IN_IDS}`,
  executions: `DELETE FROM executions WHERE ${IN_IDS}`,
  orchestratorQueue: `DELETE FROM orchestrator_queue WHERE ${IN_IDS}`,
  workerQueue: `DELETE FROM worker_queue WHERE ${IN_IDS}`,
  locks: `DELETE FROM instance_locks WHERE ${IN_IDS}`,
  kvStore: `DELETE FROM kv_store WHERE ${IN_IDS}`,
  kvDelta: `DELETE FROM kv_delta WHERE ${IN_IDS}`,
  instances: `DELETE FROM instances WHERE ${IN_IDS}`,
} as const;

// The roots plus all their descendants.
const SELECT_TREES = `
  WITH RECURSIVE tree (instance_id) AS (
    SELECT value FROM json_each(@ids)
    UNION
    SELECT c.instance_id FROM instances AS c JOIN tree AS t ON c.parent_instance_id = t.instance_id)
  SELECT instance_id FROM tree`;

/**
 * Terminal roots matching a bulk filter, oldest first. Without ids the status index finds the
 * terminal instances; with ids the primary key does (`+status` turns the index off).
 */
function bulkRootsSql(withIds: boolean, withCompletedBefore: boolean): string {
  return `
    SELECT i.instance_id FROM instances AS i
    ${withCompletedBefore ? 'JOIN executions AS e ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id' : ''}
    WHERE i.parent_instance_id IS NULL AND ${withIds ? '+' : ''}i.status IN ('Completed', 'Failed')
      ${withIds ? `AND i.${IN_IDS}` : ''}
      ${withCompletedBefore ? 'AND e.completed_at < @completedBefore' : ''}
    ORDER BY i.created_at, i.instance_id
    LIMIT @limit`;
}

/** A delete's result and the instance ids it covered (for wake-ups). */
export interface DeleteOutcome {
  result: DeleteInstanceResult;
  instanceIds: string[];
}

const NOTHING: DeleteInstanceResult = {
  instancesDeleted: 0,
  executionsDeleted: 0,
  eventsDeleted: 0,
  queueMessagesDeleted: 0,
};

type DeleteStatements = { [K in keyof typeof DELETES]: Database.Statement<{ ids: string }> };

/** Delete statements on one connection. */
export class InstanceDeleter {
  private readonly selectRunning;
  private readonly selectUnlistedChild;
  private readonly deletes: DeleteStatements;
  private readonly selectTrees;
  private readonly bulkRoots: Database.Statement[];
  private readonly deleteTx;
  private readonly bulkTx;

  constructor(
    db: Database.Database,
    private readonly historyCache: HistoryCache,
  ) {
    this.selectRunning = db.prepare<{ ids: string }, string>(SELECT_RUNNING).pluck();
    this.selectUnlistedChild = db.prepare<
      { ids: string },
      { instance_id: string; parent_instance_id: string }
    >(SELECT_UNLISTED_CHILD);
    this.deletes = Object.fromEntries(
      Object.entries(DELETES).map(([name, sql]) => [name, db.prepare<{ ids: string }>(sql)]),
    ) as DeleteStatements;
    this.selectTrees = db.prepare<{ ids: string }, string>(SELECT_TREES).pluck();
    // Indexed by (instanceIds given) * 2 + (completedBefore given).
    this.bulkRoots = [false, true].flatMap((withIds) =>
      [false, true].map((withCutoff) => db.prepare(bulkRootsSql(withIds, withCutoff)).pluck()),
    );
    this.deleteTx = db.transaction((ids: string[], force: boolean) => this.deleteRaw(ids, force));
    this.bulkTx = db.transaction((filter: InstanceFilter) => this.bulkRaw(filter));
  }

  /**
   * Deletes the listed instances and everything stored for them (also for ids that have
   * messages but no instance row yet). Without `force` a running instance rejects the whole
   * delete, as does a child of a listed instance that is not listed.
   */
  delete(instanceIds: readonly string[], force: boolean): DeleteOutcome {
    const ids = idsArg('instanceIds', instanceIds) ?? [];
    if (ids.length === 0) return { result: { ...NOTHING }, instanceIds: [] };
    return { result: this.deleteTx.immediate(ids, force), instanceIds: ids };
  }

  /**
   * Deletes up to `limit` (default 1000) root instances whose current execution is Completed or
   * Failed and that match the filter, each with all its descendants (whatever their status).
   * An empty `instanceIds` list matches nothing.
   */
  deleteBulk(filter: InstanceFilter): DeleteOutcome {
    return this.bulkTx.immediate(filter);
  }

  private bulkRaw(filter: InstanceFilter): DeleteOutcome {
    const ids = idsArg('filter.instanceIds', filter.instanceIds);
    const completedBefore = timeArg('filter.completedBefore', filter.completedBefore);
    const limit = countArg('filter.limit', filter.limit, 1000);
    if (limit === 0 || ids?.length === 0) return { result: { ...NOTHING }, instanceIds: [] };
    const statement = this.bulkRoots[(ids === undefined ? 0 : 2) + (completedBefore === undefined ? 0 : 1)]!;
    const roots = statement.all({ ids: JSON.stringify(ids ?? []), completedBefore, limit }) as string[];
    if (roots.length === 0) return { result: { ...NOTHING }, instanceIds: [] };
    const tree = this.selectTrees.all({ ids: JSON.stringify(roots) });
    return { result: this.deleteRaw(tree, true), instanceIds: tree };
  }

  private deleteRaw(ids: readonly string[], force: boolean): DeleteInstanceResult {
    const params = { ids: JSON.stringify(ids) };
    if (!force) {
      const running = this.selectRunning.get(params);
      if (running !== undefined) {
        throw new InstanceStillRunningError(
          `instance ${running} is still running; cancel it first or delete with force`,
          { instanceId: running },
        );
      }
    }
    const orphan = this.selectUnlistedChild.get(params);
    if (orphan !== undefined) {
      throw new InvalidInputError(
        `child ${orphan.instance_id} of ${orphan.parent_instance_id} was created meanwhile; delete the root again`,
        { instanceId: orphan.instance_id },
      );
    }
    const d = this.deletes;
    const result: DeleteInstanceResult = {
      eventsDeleted: d.history.run(params).changes,
      executionsDeleted: d.executions.run(params).changes,
      queueMessagesDeleted: d.orchestratorQueue.run(params).changes + d.workerQueue.run(params).changes,
      instancesDeleted: 0,
    };
    d.locks.run(params);
    d.kvStore.run(params);
    d.kvDelta.run(params);
    result.instancesDeleted = d.instances.run(params).changes;
    // Before commit is fine: forgetting a cached history only costs a re-read.
    for (const id of ids) this.historyCache.invalidate(id);
    return result;
  }
}
