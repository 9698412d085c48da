/** One execution with its event count. */
import type { ExecutionInfo, ExecutionStatus } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT e.execution_id, e.status, e.output, e.started_at, e.completed_at,
         (SELECT count(*) FROM ${schema}.history AS h
          WHERE h.instance_id = e.instance_id AND h.execution_id = e.execution_id) AS event_count
  FROM ${schema}.executions AS e
  WHERE e.instance_id = $1::text AND e.execution_id = $2::bigint`;

interface Row {
  execution_id: number;
  status: ExecutionStatus;
  output: string | null;
  started_at: number;
  completed_at: number | null;
  event_count: number;
}

export async function getExecutionInfo(
  ctx: QueryContext,
  db: Db,
  input: { instanceId: string; executionId: number },
): Promise<ExecutionInfo | null> {
  const result = await run<Row>(db, statement(ctx, 'get_execution_info', SQL), [
    input.instanceId,
    input.executionId,
  ]);
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    executionId: row.execution_id,
    status: row.status,
    output: row.output,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    eventCount: row.event_count,
  };
}
