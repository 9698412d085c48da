/** How many instances match an InstanceQuery (limit and offset ignored). */
import type { InstanceQuery } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import { compileInstanceQuery, FILTER_SQL } from './instance-query.js';

const SQL = (schema: string): string => `
  SELECT count(*) AS count
  FROM ${schema}.instances AS i
  ${FILTER_SQL}`;

export async function countInstances(
  ctx: QueryContext,
  db: Db,
  input: { query?: InstanceQuery },
): Promise<number> {
  const query = compileInstanceQuery(input.query);
  const result = await run<{ count: number }>(db, statement(ctx, 'count_instances', SQL), query.filterValues);
  return result.rows[0]?.count ?? 0;
}
