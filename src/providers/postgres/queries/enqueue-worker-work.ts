/**
 * Inserts an activity item directly (tests and tools) and announces it: one call of
 * `enqueue_worker_work`.
 */
import type { ActivityExecuteItem } from '../../../core/history.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.enqueue_worker_work(
     $1::text, $2::text, $3::bigint, $4::bigint, $5::text, $6::text, $7::bigint, $8::text)`;

export interface EnqueueWorkerInput {
  item: ActivityExecuteItem;
  nowMs: number;
}

export async function enqueueWorkerWork(ctx: QueryContext, db: Db, input: EnqueueWorkerInput): Promise<void> {
  const { item } = input;
  await run(db, statement(ctx, 'enqueue_worker_work', SQL), [
    JSON.stringify(item),
    item.instance,
    item.execution_id,
    item.id,
    item.session_id ?? null,
    item.tag ?? null,
    input.nowMs,
    ctx.origin,
  ]);
}
