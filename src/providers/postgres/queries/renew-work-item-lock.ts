/**
 * Extends a live activity lease (millisecond precision): one call of `renew_work_item_lock`,
 * which also counts as session activity. A withdrawn (cancelled) item cannot be renewed.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.renew_work_item_lock($1::bigint, $2::text, $3::bigint, $4::bigint) AS renewed`;

export interface RenewWorkInput {
  rowId: number;
  lockToken: string;
  nowMs: number;
  extendMs: number;
}

export async function renewWorkItemLock(ctx: QueryContext, db: Db, input: RenewWorkInput): Promise<boolean> {
  const result = await run<{ renewed: boolean }>(db, statement(ctx, 'renew_work_item_lock', SQL), [
    input.rowId,
    input.lockToken,
    input.nowMs,
    input.extendMs,
  ]);
  return result.rows[0]?.renewed === true;
}
