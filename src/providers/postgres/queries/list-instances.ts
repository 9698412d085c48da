/**
 * Instances matching an InstanceQuery, with their current execution, one page. Newest first by
 * default, which walks idx_instances_created backwards and stops after the page.
 */
import type { InstanceInfo, InstanceQuery } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import { compileInstanceQuery, FILTER_SQL, ORDER_COLUMNS, type OrderKey } from './instance-query.js';
import {
  CURRENT_EXECUTION_JOIN,
  INSTANCE_COLUMNS,
  toInstanceInfo,
  type InstanceRow,
} from './instance-row.js';

const SQL = (orderBy: OrderKey, descending: boolean) => {
  const direction = descending ? 'DESC' : 'ASC';
  return (schema: string): string => `
    SELECT ${INSTANCE_COLUMNS}
    FROM ${schema}.instances AS i ${CURRENT_EXECUTION_JOIN(schema)}
    ${FILTER_SQL}
    ORDER BY ${ORDER_COLUMNS[orderBy]} ${direction}, i.instance_id ${direction}
    LIMIT $5::bigint OFFSET $6::bigint`;
};

export async function listInstances(
  ctx: QueryContext,
  db: Db,
  input: { query?: InstanceQuery },
): Promise<InstanceInfo[]> {
  const query = compileInstanceQuery(input.query);
  const name = `list_instances_${query.orderBy}_${query.descending ? 'desc' : 'asc'}`;
  const result = await run<InstanceRow>(db, statement(ctx, name, SQL(query.orderBy, query.descending)), [
    ...query.filterValues,
    query.limit,
    query.offset,
  ]);
  return result.rows.map(toInstanceInfo);
}
