/**
 * Size figures of an instance in one statement: events and bytes of the current execution,
 * messages carried into it by continue-as-new (from its first event, the OrchestrationStarted;
 * 0 when that row cannot be decoded), and the live KV keys (committed values not shadowed by
 * the delta, plus delta values) with their value bytes. Sizes are bytes of UTF-8 text.
 */
import type { InstanceStats } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT
    (SELECT count(*) FROM ${schema}.history AS h
      WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id) AS history_event_count,
    (SELECT coalesce(sum(octet_length(h.event_data)), 0) FROM ${schema}.history AS h
      WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id) AS history_size_bytes,
    (SELECT ${schema}.carried_message_count(h.event_data)
      FROM ${schema}.history AS h
      WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id
      ORDER BY h.event_id LIMIT 1) AS queue_pending_count,
    kv.key_count AS kv_user_key_count,
    kv.value_bytes AS kv_total_value_bytes
  FROM ${schema}.instances AS i
  CROSS JOIN LATERAL (
    SELECT count(*) AS key_count, coalesce(sum(octet_length(live.value)), 0) AS value_bytes
    FROM (
      SELECT d.value FROM ${schema}.kv_delta AS d WHERE d.instance_id = i.instance_id AND d.value IS NOT NULL
      UNION ALL
      SELECT s.value FROM ${schema}.kv_store AS s
      WHERE s.instance_id = i.instance_id
        AND NOT EXISTS (SELECT 1 FROM ${schema}.kv_delta AS d2
                        WHERE d2.instance_id = s.instance_id AND d2.key = s.key)
    ) AS live
  ) AS kv
  WHERE i.instance_id = $1::text`;

interface Row {
  history_event_count: number;
  history_size_bytes: number;
  queue_pending_count: number | null;
  kv_user_key_count: number;
  kv_total_value_bytes: number;
}

export async function getInstanceStats(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string },
): Promise<InstanceStats | null> {
  const result = await run<Row>(db, statement(ctx, 'get_instance_stats', SQL), [input.instanceId]);
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    historyEventCount: row.history_event_count,
    historySizeBytes: Number(row.history_size_bytes),
    queuePendingCount: row.queue_pending_count ?? 0,
    kvUserKeyCount: row.kv_user_key_count,
    kvTotalValueBytes: Number(row.kv_total_value_bytes),
  };
}
