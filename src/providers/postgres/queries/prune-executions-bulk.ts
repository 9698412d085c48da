/**
 * `prune_executions` for up to `filter.limit` instances (any status, running included) that
 * have executions to prune, oldest first, in one call of `prune_executions_bulk`.
 * `filter.completedBefore` applies to the executions like `options.completedBefore` (the
 * earlier cutoff wins): a running instance has no completion time.
 */
import type { InstanceFilter, PruneOptions, PruneResult } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import { filterParameters } from './delete-instance-bulk.js';
import { pruneParameters } from './prune-executions.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.prune_executions_bulk($1::text[], $2::integer, $3::integer, $4::bigint)`;

interface Row {
  instances_processed: number;
  executions_deleted: number;
  events_deleted: number;
}

export async function pruneExecutionsBulk(
  ctx: QueryContext,
  db: Db,
  input: { filter: InstanceFilter; options: PruneOptions },
): Promise<PruneResult> {
  const [ids, filterCutoff, limit] = filterParameters(input.filter);
  const [keepLast, optionCutoff] = pruneParameters(input.options);
  const cutoffs = [filterCutoff, optionCutoff].filter((cutoff): cutoff is number => cutoff !== null);
  const result = await run<Row>(db, statement(ctx, 'prune_executions_bulk', SQL), [
    ids,
    limit,
    keepLast,
    cutoffs.length === 0 ? null : Math.min(...cutoffs),
  ]);
  const row = result.rows[0];
  return {
    instancesProcessed: row?.instances_processed ?? 0,
    executionsDeleted: row?.executions_deleted ?? 0,
    eventsDeleted: row?.events_deleted ?? 0,
  };
}
