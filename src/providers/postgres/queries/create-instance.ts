/**
 * Creates the Pending instance of a client start and enqueues the start message, or reports
 * that the instance exists: one call of `create_instance` (migration 000003), one NOTIFY.
 * Not coalesced with other enqueues: each caller needs its own answer.
 */
import type { StartOrchestrationItem } from '../../../core/history.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.create_instance($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text) AS created`;

export async function createInstance(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number; start: StartOrchestrationItem },
): Promise<boolean> {
  const { start } = input;
  const result = await run<{ created: boolean }>(db, statement(ctx, 'create_instance', SQL), [
    input.nowMs,
    start.instance,
    start.orchestration,
    start.version ?? null,
    JSON.stringify(start),
    ctx.origin,
  ]);
  return result.rows[0]?.created === true;
}
