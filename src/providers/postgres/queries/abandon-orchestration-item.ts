/**
 * Releases an orchestration lease without committing: one call of the
 * `abandon_orchestration_item` function (untags the messages, optionally delays them and
 * undoes the attempt count, deletes the lease, announces the messages).
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.abandon_orchestration_item($1::text, $2::text, $3::bigint, $4::bigint, $5::boolean, $6::text) AS released`;

export interface AbandonOrchestrationInput {
  instanceId: string;
  lockToken: string;
  nowMs: number;
  delayMs: number | undefined;
  ignoreAttempt: boolean;
}

/** True when the token held the lease; false for an unknown or already released token. */
export async function abandonOrchestrationItem(
  ctx: QueryContext,
  db: Db,
  input: AbandonOrchestrationInput,
): Promise<boolean> {
  const result = await run<{ released: boolean }>(db, statement(ctx, 'abandon_orchestration_item', SQL), [
    input.instanceId,
    input.lockToken,
    input.nowMs,
    input.delayMs ?? null,
    input.ignoreAttempt,
    ctx.origin,
  ]);
  return result.rows[0]?.released === true;
}
