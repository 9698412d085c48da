/** Direct children of an instance in creation order (idx_instances_parent). */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT i.instance_id FROM ${schema}.instances AS i
  WHERE i.parent_instance_id = $1::text
  ORDER BY i.created_at, i.instance_id`;

export async function listChildren(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string },
): Promise<string[]> {
  const result = await run<{ instance_id: string }>(db, statement(ctx, 'list_children', SQL), [
    input.instanceId,
  ]);
  return result.rows.map((row) => row.instance_id);
}
