/**
 * Inserts orchestrator messages of coalesced callers (never creating instances) and announces
 * them: one call of `enqueue_orchestrator_items`, one NOTIFY.
 */
import type { OrchestratorWorkItem } from '../../../core/history.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT ${schema}.enqueue_orchestrator_items($1::bigint, $2::jsonb, $3::text)`;

export interface EnqueueRequest {
  item: OrchestratorWorkItem;
  visibleAtMs: number;
}

export async function enqueueOrchestratorItems(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number; items: readonly EnqueueRequest[] },
): Promise<void> {
  const items = input.items.map(({ item, visibleAtMs }) => ({
    instance: item.instance,
    item: JSON.stringify(item),
    visible_at: visibleAtMs,
  }));
  await run(db, statement(ctx, 'enqueue_orchestrator_items', SQL), [
    input.nowMs,
    JSON.stringify(items),
    ctx.origin,
  ]);
}
