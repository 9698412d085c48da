/** Live KV map: committed keys not shadowed by the delta, plus the delta's non-tombstones. */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT s.key, s.value FROM ${schema}.kv_store AS s
  WHERE s.instance_id = $1::text
    AND NOT EXISTS (
      SELECT 1 FROM ${schema}.kv_delta AS d WHERE d.instance_id = s.instance_id AND d.key = s.key)
  UNION ALL
  SELECT d.key, d.value FROM ${schema}.kv_delta AS d WHERE d.instance_id = $1::text AND d.value IS NOT NULL`;

export async function getKvAllValues(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string },
): Promise<Record<string, string>> {
  const result = await run<{ key: string; value: string }>(db, statement(ctx, 'get_kv_all_values', SQL), [
    input.instanceId,
  ]);
  return Object.fromEntries(result.rows.map((row) => [row.key, row.value]));
}
