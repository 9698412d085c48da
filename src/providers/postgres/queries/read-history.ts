/**
 * History of one execution (the latest when none is given), joined into one JSON array text
 * server-side so the client parses once. The latest execution is the instance's current one;
 * history without an instance row (an ack that carried no metadata) falls back to its highest
 * execution id.
 */
import { ProviderError } from '../../../core/errors.js';
import type { HistoryEvent } from '../../../core/history.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const LATEST_SQL = (schema: string): string => `
  SELECT '[' || string_agg(h.event_data, ',' ORDER BY h.event_id) || ']' AS events, count(*)::integer AS count
  FROM ${schema}.history AS h
  WHERE h.instance_id = $1::text AND h.execution_id = coalesce(
    (SELECT i.current_execution_id FROM ${schema}.instances AS i WHERE i.instance_id = $1::text),
    (SELECT max(x.execution_id) FROM ${schema}.history AS x WHERE x.instance_id = $1::text))`;

const EXECUTION_SQL = (schema: string): string => `
  SELECT '[' || string_agg(h.event_data, ',' ORDER BY h.event_id) || ']' AS events, count(*)::integer AS count
  FROM ${schema}.history AS h
  WHERE h.instance_id = $1::text AND h.execution_id = $2::bigint`;

interface Row {
  events: string | null;
  count: number;
}

export async function readHistory(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string; executionId?: number },
): Promise<HistoryEvent[]> {
  const result =
    input.executionId === undefined
      ? await run<Row>(db, statement(ctx, 'read_history_latest', LATEST_SQL), [input.instanceId])
      : await run<Row>(db, statement(ctx, 'read_history_execution', EXECUTION_SQL), [
          input.instanceId,
          input.executionId,
        ]);
  const row = result.rows[0];
  if (row === undefined || row.events === null) return [];
  let events: unknown;
  try {
    events = JSON.parse(row.events);
  } catch (err) {
    throw new ProviderError(
      'readHistory',
      `${input.instanceId}: history could not be decoded: ${(err as Error).message}`,
      false,
    );
  }
  if (!Array.isArray(events) || events.length !== row.count) {
    throw new ProviderError('readHistory', `${input.instanceId}: history rows could not be decoded`, false);
  }
  return events as HistoryEvent[];
}
