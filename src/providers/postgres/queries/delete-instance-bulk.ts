/**
 * Deletes terminal root instances matching a filter, each with all its descendants: one call
 * of `delete_instance_bulk` (roots oldest first, tree walk and delete in one transaction).
 */
import { InvalidInputError } from '../../../core/errors.js';
import type { DeleteInstanceResult, InstanceFilter } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import { instanceIdList } from './delete-instances.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.delete_instance_bulk($1::text[], $2::bigint, $3::integer, $4::text)`;

const DEFAULT_LIMIT = 1000;

interface Row {
  instances_deleted: number;
  executions_deleted: number;
  events_deleted: number;
  queue_messages_deleted: number;
  instance_ids: string[] | null;
}

/** The filter as SQL parameters (ids, completed-before cutoff, limit). */
export function filterParameters(filter: InstanceFilter): [string[] | null, number | null, number] {
  const limit = filter.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > 2 ** 31 - 1) {
    throw new InvalidInputError('invalid instance filter limit: expected a non-negative integer');
  }
  if (filter.completedBefore !== undefined && !Number.isFinite(filter.completedBefore)) {
    throw new InvalidInputError('invalid instance filter completedBefore: expected epoch milliseconds');
  }
  return [
    filter.instanceIds === undefined ? null : instanceIdList('filter.instanceIds', filter.instanceIds),
    filter.completedBefore === undefined ? null : Math.floor(filter.completedBefore),
    limit,
  ];
}

/** What a bulk delete removed, and the ids it covered (for wake-ups). */
export interface BulkDeleteOutcome {
  result: DeleteInstanceResult;
  instanceIds: string[];
}

export async function deleteInstanceBulk(
  ctx: QueryContext,
  db: Db,
  input: { filter: InstanceFilter },
): Promise<BulkDeleteOutcome> {
  const result = await run<Row>(db, statement(ctx, 'delete_instance_bulk', SQL), [
    ...filterParameters(input.filter),
    ctx.origin,
  ]);
  const row = result.rows[0];
  return {
    result: {
      instancesDeleted: row?.instances_deleted ?? 0,
      executionsDeleted: row?.executions_deleted ?? 0,
      eventsDeleted: row?.events_deleted ?? 0,
      queueMessagesDeleted: row?.queue_messages_deleted ?? 0,
    },
    instanceIds: row?.instance_ids ?? [],
  };
}
