/**
 * Messages waiting, unlocked: visible orchestrator messages not under a live lease, visible
 * activities not locked (an expired lock counts as unlocked), and orchestrator messages not
 * visible yet (timers, delays).
 */
import type { QueueDepths } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT
    (SELECT count(*) FROM ${schema}.orchestrator_queue AS q
      WHERE q.visible_at <= $1::bigint
        AND NOT EXISTS (SELECT 1 FROM ${schema}.instance_locks AS l
                        WHERE l.instance_id = q.instance_id AND l.locked_until > $1::bigint)) AS orchestrator,
    (SELECT count(*) FROM ${schema}.worker_queue AS w
      WHERE w.visible_at <= $1::bigint AND (w.lock_token IS NULL OR w.locked_until <= $1::bigint)) AS worker,
    (SELECT count(*) FROM ${schema}.orchestrator_queue AS q WHERE q.visible_at > $1::bigint) AS timer`;

export async function getQueueDepths(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number },
): Promise<QueueDepths> {
  const result = await run<{ orchestrator: number; worker: number; timer: number }>(
    db,
    statement(ctx, 'get_queue_depths', SQL),
    [input.nowMs],
  );
  const row = result.rows[0];
  return {
    orchestratorQueue: row?.orchestrator ?? 0,
    workerQueue: row?.worker ?? 0,
    timerQueue: row?.timer ?? 0,
  };
}
