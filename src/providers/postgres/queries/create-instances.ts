/**
 * Creates the Pending instances of coalesced client starts and enqueues their start messages,
 * or reports that an instance exists: one call of `create_instances` (migration 000006), one
 * transaction, one NOTIFY for the batch. Each request gets its own answer, in order; of two
 * requests for one id in a batch the first creates it and the second gets `false`.
 *
 * Parallel arrays rather than one jsonb document: the start items are stored as text, so they
 * are sent once as text instead of being escaped into and parsed out of JSON again.
 */
import type { StartOrchestrationItem } from '../../../core/history.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT n, created FROM ${schema}.create_instances($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text) ORDER BY n`;

/** One client start: the item and the store time of the call. */
export interface CreateRequest {
  nowMs: number;
  start: StartOrchestrationItem;
}

/** Resolves one flag per request, in order: true when that request created the instance. */
export async function createInstances(
  ctx: QueryContext,
  db: Db,
  input: { requests: readonly CreateRequest[] },
): Promise<boolean[]> {
  const { requests } = input;
  const result = await run<{ n: number; created: boolean }>(db, statement(ctx, 'create_instances', SQL), [
    requests.map((r) => r.nowMs),
    requests.map((r) => r.start.instance),
    requests.map((r) => r.start.orchestration),
    requests.map((r) => r.start.version ?? null),
    requests.map((r) => JSON.stringify(r.start)),
    ctx.origin,
  ]);
  if (result.rows.length !== requests.length) {
    throw new Error(`create_instances answered ${result.rows.length} rows for ${requests.length} requests`);
  }
  return result.rows.map((row) => row.created === true);
}
