/**
 * Deletes instances with everything they own, atomically: one call of `delete_instances`, which
 * locks the rows, checks that none is running (unless forced) and that no child is left
 * behind, and only then deletes. The checks report an outcome instead of raising, so nothing
 * is deleted when they fail.
 */
import { InstanceStillRunningError, InvalidInputError } from '../../../core/errors.js';
import type { DeleteInstanceResult } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.delete_instances($1::text[], $2::boolean, $3::text)`;

interface Row {
  outcome: 'ok' | 'running' | 'orphan';
  offender: string | null;
  offender_parent: string | null;
  instances_deleted: number | null;
  executions_deleted: number | null;
  events_deleted: number | null;
  queue_messages_deleted: number | null;
}

/** A list of distinct instance ids; `InvalidInputError` for anything else. */
export function instanceIdList(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string')) {
    throw new InvalidInputError(`${field} must be an array of instance ids`);
  }
  return [...new Set(value as string[])];
}

export async function deleteInstances(
  ctx: QueryContext,
  db: Db,
  input: { instanceIds: readonly string[]; force: boolean },
): Promise<DeleteInstanceResult> {
  const ids = instanceIdList('instanceIds', input.instanceIds);
  if (ids.length === 0)
    return { instancesDeleted: 0, executionsDeleted: 0, eventsDeleted: 0, queueMessagesDeleted: 0 };
  const result = await run<Row>(db, statement(ctx, 'delete_instances', SQL), [ids, input.force, ctx.origin]);
  const row = result.rows[0];
  if (row?.outcome === 'running') {
    const instanceId = row.offender ?? '';
    throw new InstanceStillRunningError(
      `instance ${instanceId} is still running; cancel it first or delete with force`,
      { instanceId },
    );
  }
  if (row?.outcome === 'orphan') {
    const instanceId = row.offender ?? '';
    throw new InvalidInputError(
      `child ${instanceId} of ${row.offender_parent ?? '?'} was created meanwhile; delete the root again`,
      { instanceId },
    );
  }
  return {
    instancesDeleted: row?.instances_deleted ?? 0,
    executionsDeleted: row?.executions_deleted ?? 0,
    eventsDeleted: row?.events_deleted ?? 0,
    queueMessagesDeleted: row?.queue_messages_deleted ?? 0,
  };
}
