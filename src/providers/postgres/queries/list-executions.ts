/** Execution ids of an instance, ascending (a primary-key range scan). */
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT e.execution_id FROM ${schema}.executions AS e WHERE e.instance_id = $1::text ORDER BY e.execution_id`;

export async function listExecutions(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string },
): Promise<number[]> {
  const result = await run<{ execution_id: number }>(db, statement(ctx, 'list_executions', SQL), [
    input.instanceId,
  ]);
  return result.rows.map((row) => row.execution_id);
}
