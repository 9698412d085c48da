/** Deletes expired sessions that have no queued work. A single DELETE. */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  DELETE FROM ${schema}.sessions AS s
  WHERE s.locked_until <= $1::bigint
    AND NOT EXISTS (SELECT 1 FROM ${schema}.worker_queue AS q WHERE q.session_id = s.session_id)`;

/** How many sessions were deleted. */
export async function cleanupOrphanedSessions(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number },
): Promise<number> {
  const result = await run(db, statement(ctx, 'cleanup_orphaned_sessions', SQL), [input.nowMs]);
  return result.rowCount ?? 0;
}
