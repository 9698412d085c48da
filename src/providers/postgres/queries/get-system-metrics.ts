/**
 * Store-wide counts in one statement, so they come from one snapshot. Status counts read the
 * instances' status copy (idx_instances_status); an instance between continue-as-new
 * executions counts as running. Executions and events are whole-table counts.
 */
import type { SystemMetrics } from '../../../core/provider.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string => `
  SELECT count(*) AS total_instances,
         count(*) FILTER (WHERE i.status IN ('Running', 'ContinuedAsNew')) AS running_instances,
         count(*) FILTER (WHERE i.status = 'Completed') AS completed_instances,
         count(*) FILTER (WHERE i.status = 'Failed') AS failed_instances,
         (SELECT count(*) FROM ${schema}.executions) AS total_executions,
         (SELECT count(*) FROM ${schema}.history) AS total_events
  FROM ${schema}.instances AS i`;

interface Row {
  total_instances: number;
  running_instances: number;
  completed_instances: number;
  failed_instances: number;
  total_executions: number;
  total_events: number;
}

export async function getSystemMetrics(ctx: QueryContext, db: Db): Promise<SystemMetrics> {
  const result = await run<Row>(db, statement(ctx, 'get_system_metrics', SQL), []);
  const row = result.rows[0];
  return {
    totalInstances: row?.total_instances ?? 0,
    totalExecutions: row?.total_executions ?? 0,
    runningInstances: row?.running_instances ?? 0,
    completedInstances: row?.completed_instances ?? 0,
    failedInstances: row?.failed_instances ?? 0,
    totalEvents: row?.total_events ?? 0,
  };
}
