/**
 * Extends a live orchestration lease (millisecond precision): one call of the
 * `renew_orchestration_item_lock` function.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.renew_orchestration_item_lock($1::text, $2::text, $3::bigint, $4::bigint) AS renewed`;

export interface RenewOrchestrationInput {
  instanceId: string;
  lockToken: string;
  nowMs: number;
  extendMs: number;
}

/** True when the lease was live and now lasts until now + extendMs. */
export async function renewOrchestrationItemLock(
  ctx: QueryContext,
  db: Db,
  input: RenewOrchestrationInput,
): Promise<boolean> {
  const result = await run<{ renewed: boolean }>(db, statement(ctx, 'renew_orchestration_item_lock', SQL), [
    input.instanceId,
    input.lockToken,
    input.nowMs,
    input.extendMs,
  ]);
  return result.rows[0]?.renewed === true;
}
