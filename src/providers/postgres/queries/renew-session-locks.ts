/**
 * Extends the live, recently active sessions of these owners. A single UPDATE; the owner ids
 * travel as one text[] parameter, so one prepared statement serves any number of them.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  UPDATE ${schema}.sessions AS s SET locked_until = $1::bigint
  WHERE s.worker_id = ANY ($2::text[]) AND s.locked_until > $3::bigint AND s.last_activity_at > $4::bigint`;

export interface RenewSessionsInput {
  ownerIds: readonly string[];
  nowMs: number;
  extendMs: number;
  idleTimeoutMs: number;
}

/** How many sessions were extended. */
export async function renewSessionLocks(
  ctx: QueryContext,
  db: Db,
  input: RenewSessionsInput,
): Promise<number> {
  if (input.ownerIds.length === 0) return 0;
  const result = await run(db, statement(ctx, 'renew_session_locks', SQL), [
    input.nowMs + input.extendMs,
    input.ownerIds,
    input.nowMs,
    input.nowMs - input.idleTimeoutMs,
  ]);
  return result.rowCount ?? 0;
}
