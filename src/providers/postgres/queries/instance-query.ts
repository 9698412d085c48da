/**
 * The InstanceQuery filter shared by listInstances and countInstances. Filters are parameters
 * that are NULL when absent, so one prepared statement per sort order serves every combination.
 */
import { InvalidInputError } from '../../../core/errors.js';
import type { InstanceQuery, InstanceStatus } from '../../../core/provider.js';

const STATUSES: ReadonlySet<InstanceStatus> = new Set([
  'Pending',
  'Running',
  'Completed',
  'Failed',
  'ContinuedAsNew',
]);

/** Sort keys → columns; the instance id breaks ties so pages are stable. */
export const ORDER_COLUMNS = {
  createdAt: 'i.created_at',
  updatedAt: 'i.updated_at',
  instanceId: 'i.instance_id',
} as const;

export type OrderKey = keyof typeof ORDER_COLUMNS;

/**
 * WHERE clause over `i` (instances), parameters $1–$4. The status filter reads the instance's
 * copy of its current execution's status, so with the default order it is a range scan of
 * idx_instances_status.
 */
export const FILTER_SQL = `
  WHERE ($1::text IS NULL OR i.status = $1::text)
    AND ($2::text IS NULL OR i.orchestration_name = $2::text)
    AND ($3::text IS NULL OR strpos(i.instance_id, $3::text) > 0)
    AND (NOT $4::boolean OR i.parent_instance_id IS NULL)`;

export interface CompiledInstanceQuery {
  filterValues: [string | null, string | null, string | null, boolean];
  orderBy: OrderKey;
  descending: boolean;
  limit: number | null;
  offset: number;
}

function nonNegativeInteger(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`invalid instance query ${field}: expected a non-negative integer`);
  }
  return value;
}

/** Validates the query and fills defaults (newest first, no limit). */
export function compileInstanceQuery(query: InstanceQuery = {}): CompiledInstanceQuery {
  if (query.status !== undefined && !STATUSES.has(query.status)) {
    throw new InvalidInputError(`invalid instance query status: ${String(query.status)}`);
  }
  const orderBy = query.orderBy ?? 'createdAt';
  if (!Object.hasOwn(ORDER_COLUMNS, orderBy)) {
    throw new InvalidInputError(`invalid instance query orderBy: ${String(orderBy)}`);
  }
  return {
    filterValues: [
      query.status ?? null,
      query.orchestrationName ?? null,
      query.idContains ?? null,
      query.rootsOnly === true,
    ],
    orderBy,
    descending: query.descending ?? true,
    limit: nonNegativeInteger(query.limit, 'limit') ?? null,
    offset: nonNegativeInteger(query.offset, 'offset') ?? 0,
  };
}
