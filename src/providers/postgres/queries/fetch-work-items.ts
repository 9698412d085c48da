/**
 * Fetch of activities for `count` coalesced callers with the same options: one call of
 * `fetch_work_items` — release expired locks, then up to `count` times pick the lowest-id
 * visible unlocked item allowed by the tag filter and session rules with `FOR UPDATE SKIP
 * LOCKED`, claim its session if it has one, lock it.
 */
import type { ActivityExecuteItem } from '../../../core/history.js';
import type { TagFilter, WorkItemLease } from '../../../core/provider.js';
import { assertNever } from '../../../core/exhaustive.js';
import { newTokenPrefix } from '../lock-tokens.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.fetch_work_items(
     $1::bigint, $2::bigint, $3::text[], $4::boolean, $5::boolean, $6::text[], $7::text[], $8::bigint)`;

// The same with a skip list (000004); only used when the list is not empty.
const SKIPPING_SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.fetch_work_items_skipping(
     $1::bigint, $2::bigint, $3::text[], $4::boolean, $5::boolean, $6::text[], $7::text[], $8::bigint,
     $9::text[])`;

/** A row of fetch_work_items (also returned by ack_work_items' prefetch). */
export interface LeaseRow {
  caller: number;
  id: number | null;
  lock_token: string | null;
  work_item: string | null;
  attempt_count: number | null;
}

/**
 * What callers coalesced into one fetch share: the lock timeout, the tag filter and whether
 * (and for how long) they claim sessions. Session owners differ per caller (each runtime slot
 * is its own owner), so they travel per caller.
 */
export interface WorkFetchShape {
  lockTimeoutMs: number;
  tagFilter: TagFilter;
  sessionLockTimeoutMs: number | null;
  /** Sorted, distinct activity names to leave to other workers. */
  skip: string[];
}

export interface FetchWorkInput {
  nowMs: number;
  shape: WorkFetchShape;
  /** One entry per caller: its session owner, or null for no session items. */
  ownerIds: (string | null)[];
}

/** The tag filter as the function's three parameters (any, untagged, tag list). */
export function tagParameters(filter: TagFilter): [boolean, boolean, string[]] {
  switch (filter.mode) {
    case 'any':
      return [true, true, []];
    case 'defaultOnly':
      return [false, true, []];
    case 'tags':
      return [false, false, filter.tags];
    case 'defaultAnd':
      return [false, true, filter.tags];
    case 'none':
      return [false, false, []];
    default:
      return assertNever(filter);
  }
}

/** Locks an item for each caller that has one; per caller, its lease or null. */
export async function fetchWorkItems(
  ctx: QueryContext,
  db: Db,
  input: FetchWorkInput,
): Promise<(WorkItemLease | null)[]> {
  const [anyTag, defaultTag, tags] = tagParameters(input.shape.tagFilter);
  const params: unknown[] = [
    input.nowMs,
    input.shape.lockTimeoutMs,
    input.ownerIds.map(newTokenPrefix),
    anyTag,
    defaultTag,
    tags,
    input.ownerIds,
    input.shape.sessionLockTimeoutMs,
  ];
  const { skip } = input.shape;
  const result =
    skip.length === 0
      ? await run<LeaseRow>(db, statement(ctx, 'fetch_work_items', SQL), params)
      : await run<LeaseRow>(db, statement(ctx, 'fetch_work_items_skipping', SKIPPING_SQL), [...params, skip]);
  return decodeLeaseRows(result.rows, input.ownerIds.length);
}

/** Per caller (1-based `caller` column), its lease or null. */
export function decodeLeaseRows(rows: readonly LeaseRow[], callers: number): (WorkItemLease | null)[] {
  const leases: (WorkItemLease | null)[] = Array.from({ length: callers }, () => null);
  for (const row of rows) {
    if (row.lock_token === null || row.work_item === null) continue;
    // Decoded after commit: a corrupt row stays locked (and is retried after the lease)
    // instead of being handed out again at once — and never fails the call, which may have
    // committed acks too.
    let item: ActivityExecuteItem;
    try {
      item = JSON.parse(row.work_item) as ActivityExecuteItem;
    } catch {
      continue;
    }
    leases[row.caller - 1] = { item, lockToken: row.lock_token, attemptCount: row.attempt_count ?? 1 };
  }
  return leases;
}
