/**
 * Deletes old executions of one instance (never the current or a running one): one call of
 * `prune_executions`.
 */
import { InvalidInputError, NotFoundError } from '../../../core/errors.js';
import type { PruneOptions, PruneResult } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.prune_executions($1::text, $2::integer, $3::bigint)`;

interface Row {
  instance_found: boolean;
  executions_deleted: number;
  events_deleted: number;
}

/** The prune options as SQL parameters (keep-last, completed-before cutoff). */
export function pruneParameters(options: PruneOptions): [number | null, number | null] {
  const { keepLast, completedBefore } = options;
  if (keepLast !== undefined && (!Number.isSafeInteger(keepLast) || keepLast < 0 || keepLast > 2 ** 31 - 1)) {
    throw new InvalidInputError('invalid prune option keepLast: expected a non-negative integer');
  }
  if (completedBefore !== undefined && !Number.isFinite(completedBefore)) {
    throw new InvalidInputError('invalid prune option completedBefore: expected epoch milliseconds');
  }
  return [keepLast ?? null, completedBefore === undefined ? null : Math.floor(completedBefore)];
}

export async function pruneExecutions(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string; options: PruneOptions },
): Promise<PruneResult> {
  const result = await run<Row>(db, statement(ctx, 'prune_executions', SQL), [
    input.instanceId,
    ...pruneParameters(input.options),
  ]);
  const row = result.rows[0];
  if (row === undefined || !row.instance_found) {
    throw new NotFoundError(`instance '${input.instanceId}' not found`, { instanceId: input.instanceId });
  }
  return {
    instancesProcessed: 1,
    executionsDeleted: row.executions_deleted,
    eventsDeleted: row.events_deleted,
  };
}
