/**
 * When the earliest item of each queue visible after `afterMs` becomes visible (for the wake-up
 * timers: after a timer fired, only items still delayed; at connect, every stored item). Both
 * are index range scans that stop at the first row.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT
    (SELECT min(q.visible_at) FROM ${schema}.orchestrator_queue AS q WHERE q.visible_at > $1::bigint)
      AS orchestrator,
    (SELECT min(w.visible_at) FROM ${schema}.worker_queue AS w
      WHERE w.lock_token IS NULL AND w.visible_at > $1::bigint) AS worker`;

export interface NextVisible {
  orchestrator: number | null;
  worker: number | null;
}

export async function nextVisibleAt(
  ctx: QueryContext,
  db: Db,
  input: { afterMs: number },
): Promise<NextVisible> {
  const result = await run<NextVisible>(db, statement(ctx, 'next_visible_at', SQL), [input.afterMs]);
  return result.rows[0] ?? { orchestrator: null, worker: null };
}
