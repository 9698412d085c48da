/**
 * The instance-row shape that status reads and listings share: the instance (with its copy of
 * the current execution's status) joined with the current execution for its output.
 */
import type { InstanceInfo, InstanceStatus } from '../../../core/provider.js';

/** Select list (aliases i = instances, e = its current execution). */
export const INSTANCE_COLUMNS = `
  i.instance_id, i.orchestration_name, i.orchestration_version, i.current_execution_id,
  i.created_at, i.updated_at, i.parent_instance_id, i.custom_status, i.custom_status_version,
  i.status, e.output`;

/** Join of an instance with its current execution. */
export const CURRENT_EXECUTION_JOIN = (schema: string): string =>
  `LEFT JOIN ${schema}.executions AS e
     ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id`;

export interface InstanceRow {
  instance_id: string;
  orchestration_name: string;
  orchestration_version: string | null;
  current_execution_id: number;
  created_at: number;
  updated_at: number;
  parent_instance_id: string | null;
  custom_status: string | null;
  custom_status_version: number;
  status: InstanceStatus;
  output: string | null;
}

export function toInstanceInfo(row: InstanceRow): InstanceInfo {
  return {
    instanceId: row.instance_id,
    orchestrationName: row.orchestration_name,
    orchestrationVersion: row.orchestration_version,
    currentExecutionId: row.current_execution_id,
    status: row.status,
    output: row.output,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    parentInstanceId: row.parent_instance_id,
    customStatus: row.custom_status,
    customStatusVersion: row.custom_status_version,
  };
}
