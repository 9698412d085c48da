/**
 * Read-only queries for status and history, and the history decoder shared with the fetch.
 */
import type Database from 'better-sqlite3';
import { ProviderError } from '../../core/errors.js';
import type { HistoryEvent } from '../../core/history.js';
import type { InstanceInfo, InstanceStatus } from '../../core/provider.js';

// The latest execution is the instance's current one; history rows without an instance row
// (written by an ack that carried no metadata) fall back to their highest execution id.
const SELECT_LATEST_HISTORY = `
  SELECT event_data FROM history
  WHERE instance_id = @instanceId AND execution_id = coalesce(
    (SELECT current_execution_id FROM instances WHERE instance_id = @instanceId),
    (SELECT max(execution_id) FROM history WHERE instance_id = @instanceId))
  ORDER BY event_id`;

const SELECT_EXECUTION_HISTORY = `
  SELECT event_data FROM history WHERE instance_id = ? AND execution_id = ? ORDER BY event_id`;

/**
 * Columns of an instance joined with its current execution (`FROM instances AS i` +
 * {@link JOIN_CURRENT_EXECUTION}), as {@link toInstanceInfo} maps them. The status is the
 * instance's copy (triggers keep it equal to the current execution's), which alone can say
 * `Pending`: a Pending instance has no execution row yet.
 */
export const INSTANCE_INFO_COLUMNS = `
  i.instance_id, i.orchestration_name, i.orchestration_version, i.current_execution_id,
  i.created_at, i.updated_at, i.parent_instance_id, i.custom_status, i.custom_status_version,
  i.status, e.output`;

export const JOIN_CURRENT_EXECUTION = `
  LEFT JOIN executions AS e ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id`;

const SELECT_INSTANCE_INFO = `
  SELECT ${INSTANCE_INFO_COLUMNS} FROM instances AS i ${JOIN_CURRENT_EXECUTION}
  WHERE i.instance_id = ?`;

/** A row of {@link INSTANCE_INFO_COLUMNS}. */
export interface InstanceInfoRow {
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

/** Decoded history, or the reason it could not be decoded. */
export type DecodedHistory = { ok: true; events: HistoryEvent[] } | { ok: false; error: string };

/**
 * Decodes stored event rows. The common case parses all rows as one JSON array (one parse call
 * instead of one per row); only on failure is each row parsed to name the bad one.
 */
export function decodeHistory(rows: readonly string[]): DecodedHistory {
  if (rows.length === 0) return { ok: true, events: [] };
  try {
    const events = JSON.parse(`[${rows.join(',')}]`) as HistoryEvent[];
    // A row like `{…},{…}` would parse joined but is corrupt; the count catches it.
    if (events.length === rows.length) return { ok: true, events };
  } catch {
    // Decoded row by row below, to name the bad row.
  }
  return decodeRowByRow(rows);
}

function decodeRowByRow(rows: readonly string[]): DecodedHistory {
  for (let index = 0; index < rows.length; index++) {
    try {
      JSON.parse(rows[index] ?? '');
    } catch (err) {
      return { ok: false, error: `history row ${index + 1} could not be decoded: ${(err as Error).message}` };
    }
  }
  // Every row parses alone but not as a list (e.g. a row holding two values).
  return { ok: false, error: 'history rows could not be decoded as a list of events' };
}

/** Status and history reads on one connection. */
export class InstanceReads {
  private readonly selectLatestHistory;
  private readonly selectExecutionHistory;
  private readonly selectInstanceInfo;

  constructor(db: Database.Database) {
    this.selectLatestHistory = db.prepare<{ instanceId: string }, string>(SELECT_LATEST_HISTORY).pluck();
    this.selectExecutionHistory = db.prepare<[string, number], string>(SELECT_EXECUTION_HISTORY).pluck();
    this.selectInstanceInfo = db.prepare<[string], InstanceInfoRow>(SELECT_INSTANCE_INFO);
  }

  /** History of one execution (the latest when omitted); empty when unknown. */
  readHistory(instanceId: string, executionId?: number): HistoryEvent[] {
    const rows =
      executionId === undefined
        ? this.selectLatestHistory.all({ instanceId })
        : this.selectExecutionHistory.all(instanceId, executionId);
    const decoded = decodeHistory(rows);
    if (!decoded.ok) throw new ProviderError('readHistory', `${instanceId}: ${decoded.error}`, false);
    return decoded.events;
  }

  /** Instance row joined with its current execution, or null. */
  getInstanceInfo(instanceId: string): InstanceInfo | null {
    const row = this.selectInstanceInfo.get(instanceId);
    return row === undefined ? null : toInstanceInfo(row);
  }
}

/** Maps a row of {@link INSTANCE_INFO_COLUMNS}. */
export function toInstanceInfo(row: InstanceInfoRow): InstanceInfo {
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
