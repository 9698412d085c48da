/**
 * In-flight and upcoming work in one snapshot: visible messages and activities, held instance
 * leases and locked activities count as in progress; the next due time is the earliest delayed
 * message of either queue.
 */
import type { StoreActivity } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT
    (SELECT count(*) FROM ${schema}.orchestrator_queue WHERE visible_at <= $1::bigint)
    + (SELECT count(*) FROM ${schema}.instance_locks WHERE locked_until > $1::bigint)
    + (SELECT count(*) FROM ${schema}.worker_queue
        WHERE visible_at <= $1::bigint OR lock_token IS NOT NULL) AS in_progress,
    LEAST(
      (SELECT min(visible_at) FROM ${schema}.orchestrator_queue WHERE visible_at > $1::bigint),
      (SELECT min(visible_at) FROM ${schema}.worker_queue
        WHERE visible_at > $1::bigint AND lock_token IS NULL)) AS next_due_at`;

export async function getStoreActivity(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number },
): Promise<StoreActivity> {
  const result = await run<{ in_progress: string | number; next_due_at: string | number | null }>(
    db,
    statement(ctx, 'get_store_activity', SQL),
    [input.nowMs],
  );
  const row = result.rows[0];
  return {
    inProgress: Number(row?.in_progress ?? 0),
    nextDueAtMs: row?.next_due_at === null || row?.next_due_at === undefined ? null : Number(row.next_due_at),
  };
}
