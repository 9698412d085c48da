/**
 * Read-only management queries: instance listing and counting, executions, children.
 *
 * Listing filters on `instances.status` (the current execution's status, kept by triggers; see
 * migration 000002) so that a status filter, the sort and LIMIT/OFFSET are served by one index
 * range scan instead of a join of every instance with its execution.
 */
import type Database from 'better-sqlite3';
import { InvalidInputError } from '../../core/errors.js';
import type { ExecutionInfo, ExecutionStatus, InstanceInfo, InstanceQuery } from '../../core/provider.js';
import { countArg, statusArg } from './admin-input.js';
import {
  INSTANCE_INFO_COLUMNS,
  JOIN_CURRENT_EXECUTION,
  toInstanceInfo,
  type InstanceInfoRow,
} from './reads.js';

const ORDER_COLUMNS = {
  createdAt: 'i.created_at',
  updatedAt: 'i.updated_at',
  instanceId: 'i.instance_id',
} as const;

const SELECT_EXECUTION_IDS =
  'SELECT execution_id FROM executions WHERE instance_id = ? ORDER BY execution_id';

const SELECT_EXECUTION_INFO = `
  SELECT e.execution_id, e.status, e.output, e.started_at, e.completed_at,
         (SELECT count(*) FROM history AS h
          WHERE h.instance_id = e.instance_id AND h.execution_id = e.execution_id) AS event_count
  FROM executions AS e WHERE e.instance_id = ? AND e.execution_id = ?`;

// Uses idx_instances_parent; children of one instance are few, so the sort is cheap.
const SELECT_CHILDREN = `
  SELECT instance_id FROM instances WHERE parent_instance_id = ? ORDER BY created_at, instance_id`;

interface ExecutionRow {
  execution_id: number;
  status: ExecutionStatus;
  output: string | null;
  started_at: number;
  completed_at: number | null;
  event_count: number;
}

/** Named parameters of a listing statement (unused ones are bound as NULL). */
interface ListParams {
  status: string | null;
  name: string | null;
  idContains: string | null;
  limit: number;
  offset: number;
}

/** The WHERE clause for `query`'s filters (AND-ed), over `instances AS i`. */
function whereClause(query: InstanceQuery): string {
  const conditions: string[] = [];
  if (query.status !== undefined) conditions.push('i.status = @status');
  if (query.orchestrationName !== undefined) conditions.push('i.orchestration_name = @name');
  // instr is case-sensitive and treats `%`/`_` literally, unlike LIKE.
  if (query.idContains !== undefined) conditions.push('instr(i.instance_id, @idContains) > 0');
  if (query.rootsOnly === true) conditions.push('i.parent_instance_id IS NULL');
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** Sort clause; ties break on instance_id in the same direction (the index order). */
function orderClause(query: InstanceQuery): string {
  const key = query.orderBy ?? 'createdAt';
  const column = Object.hasOwn(ORDER_COLUMNS, key) ? ORDER_COLUMNS[key] : undefined;
  if (column === undefined) {
    throw new InvalidInputError(
      `orderBy must be createdAt, updatedAt or instanceId (got ${String(query.orderBy)})`,
    );
  }
  const direction = query.descending === false ? 'ASC' : 'DESC';
  return column === ORDER_COLUMNS.instanceId
    ? `ORDER BY i.instance_id ${direction}`
    : `ORDER BY ${column} ${direction}, i.instance_id ${direction}`;
}

/**
 * SQL of a listing. With the default order the plan is a walk of idx_instances_created (or
 * idx_instances_status when filtering by status) that stops after OFFSET + LIMIT rows; each
 * row costs one primary-key probe of `executions`.
 */
export function listSql(query: InstanceQuery): string {
  return `
    SELECT ${INSTANCE_INFO_COLUMNS} FROM instances AS i ${JOIN_CURRENT_EXECUTION}
    ${whereClause(query)} ${orderClause(query)} LIMIT @limit OFFSET @offset`;
}

/** SQL of a count. */
export function countSql(query: InstanceQuery): string {
  return `SELECT count(*) FROM instances AS i ${whereClause(query)}`;
}

/** Listing, counting and per-instance management reads on one connection. */
export class InstanceQueries {
  /** Statements by SQL text: at most 2^4 filter sets × 6 orders, plus 2^4 counts. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly selectExecutionIds;
  private readonly selectExecutionInfo;
  private readonly selectChildren;

  constructor(private readonly db: Database.Database) {
    this.selectExecutionIds = db.prepare<[string], number>(SELECT_EXECUTION_IDS).pluck();
    this.selectExecutionInfo = db.prepare<[string, number], ExecutionRow>(SELECT_EXECUTION_INFO);
    this.selectChildren = db.prepare<[string], string>(SELECT_CHILDREN).pluck();
  }

  /** Instances matching `query`, with their current execution. */
  list(query: InstanceQuery = {}): InstanceInfo[] {
    const rows = this.statement(listSql(query)).all(listParams(query)) as InstanceInfoRow[];
    return rows.map(toInstanceInfo);
  }

  /** How many instances match `query`'s filters. */
  count(query: InstanceQuery = {}): number {
    // better-sqlite3 ignores named parameters the statement does not use.
    return this.statement(countSql(query)).pluck().get(listParams(query)) as number;
  }

  /** Execution ids, ascending. */
  executionIds(instanceId: string): number[] {
    return this.selectExecutionIds.all(instanceId);
  }

  /** One execution with its event count, or null. */
  executionInfo(instanceId: string, executionId: number): ExecutionInfo | null {
    const row = this.selectExecutionInfo.get(instanceId, executionId);
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

  /** Direct children, in creation order. */
  children(instanceId: string): string[] {
    return this.selectChildren.all(instanceId);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Checked parameters of a query; absent filters are bound as NULL and not referenced. */
function listParams(query: InstanceQuery): ListParams {
  return {
    status: statusArg(query.status) ?? null,
    name: query.orchestrationName ?? null,
    idContains: query.idContains ?? null,
    limit: query.limit === undefined ? -1 : countArg('limit', query.limit, 0),
    offset: countArg('offset', query.offset, 0),
  };
}
