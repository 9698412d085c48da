/**
 * Live KV value: a delta row (value or tombstone) of the running execution shadows the
 * committed one. One statement, so both tables are read from the same snapshot.
 */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT v.value FROM (
    SELECT d.value, 0 AS rank FROM ${schema}.kv_delta AS d WHERE d.instance_id = $1::text AND d.key = $2::text
    UNION ALL
    SELECT s.value, 1 AS rank FROM ${schema}.kv_store AS s WHERE s.instance_id = $1::text AND s.key = $2::text
  ) AS v
  ORDER BY v.rank
  LIMIT 1`;

export async function getKvValue(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string; key: string },
): Promise<string | null> {
  const result = await run<{ value: string | null }>(db, statement(ctx, 'get_kv_value', SQL), [
    input.instanceId,
    input.key,
  ]);
  return result.rows[0]?.value ?? null;
}
