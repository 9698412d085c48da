/** The instance row joined with its current execution, by primary key. */
import type { InstanceInfo } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import {
  CURRENT_EXECUTION_JOIN,
  INSTANCE_COLUMNS,
  toInstanceInfo,
  type InstanceRow,
} from './instance-row.js';

const SQL = (schema: string): string => `
  SELECT ${INSTANCE_COLUMNS}
  FROM ${schema}.instances AS i ${CURRENT_EXECUTION_JOIN(schema)}
  WHERE i.instance_id = $1::text`;

export async function getInstanceInfo(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string },
): Promise<InstanceInfo | null> {
  const result = await run<InstanceRow>(db, statement(ctx, 'get_instance_info', SQL), [input.instanceId]);
  const row = result.rows[0];
  return row === undefined ? null : toInstanceInfo(row);
}
