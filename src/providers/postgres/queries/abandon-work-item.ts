/**
 * Releases an activity lease: one call of `abandon_work_item` (optionally delayed, optionally
 * not counting the attempt), which announces the item again.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.abandon_work_item($1::bigint, $2::text, $3::bigint, $4::bigint, $5::boolean, $6::text) AS released`;

export interface AbandonWorkInput {
  rowId: number;
  lockToken: string;
  nowMs: number;
  delayMs: number | undefined;
  ignoreAttempt: boolean;
}

export async function abandonWorkItem(ctx: QueryContext, db: Db, input: AbandonWorkInput): Promise<boolean> {
  const result = await run<{ released: boolean }>(db, statement(ctx, 'abandon_work_item', SQL), [
    input.rowId,
    input.lockToken,
    input.nowMs,
    input.delayMs ?? null,
    input.ignoreAttempt,
    ctx.origin,
  ]);
  return result.rows[0]?.released === true;
}
