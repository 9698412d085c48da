/**
 * Eager dispatch (docs/performance.md, "Eager dispatch"): one call of
 * `ack_orchestration_item_eager`, which commits a turn as `ack_and_fetch` does for one turn and,
 * in the same transaction, locks up to `maxItems` of the activity items it inserted for the
 * caller (as a fetch would), keeping the instance's lease when the request asks to hold it and
 * the turn's one activity was locked (held turns), then sends one NOTIFY of what is left.
 */
import { eagerEligible } from '../../../core/eager-work.js';
import type { ActivityExecuteItem } from '../../../core/history.js';
import type { EagerWorkRequest, WorkItemLease } from '../../../core/provider.js';
import { newTokenPrefix } from '../lock-tokens.js';
import { encodeAck, type AckEffects, type AckRequest } from './ack-and-fetch.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.ack_orchestration_item_eager(
     $1::bigint, $2::text, $3::jsonb, $4::boolean[], $5::integer, $6::bigint, $7::text, $8::bigint)`;

/** A row of `ack_orchestration_item_eager` (and of `ack_held_turn`). */
export interface EagerRow {
  kind: 'ack' | 'lease' | 'lost' | 'committed' | 'released';
  acked: boolean | null;
  orchestrator_ready: number | null;
  orchestrator_due: number | null;
  worker_ready: number | null;
  held_until: number | null;
  work_id: number | null;
  lock_token: string | null;
  work_item: string | null;
  attempt_count: number | null;
}

/** What a committed eager ack did: its effects, the leases it locked and the kept lease. */
export interface EagerAckEffects extends AckEffects {
  /** The locked activity items, in `ack.workerItems` order. */
  leases: WorkItemLease[];
  /** When the kept instance lease expires; null when it was released. */
  heldUntilMs: number | null;
}

export interface EagerAckInput extends AckRequest {
  nowMs: number;
  eager: EagerWorkRequest;
}

/**
 * The eager parameters shared with `ack_held_turn`: one eligibility flag per worker item (the
 * rules every provider shares, `eagerEligible`), the most items to lock, their lease, a token
 * prefix and the hold.
 */
export function eagerParameters(
  workerItems: readonly ActivityExecuteItem[],
  eager: EagerWorkRequest,
): [boolean[], number, number, string, number | null] {
  const hold =
    eager.holdInstanceMs !== undefined && eager.holdInstanceMs > 0 ? Math.ceil(eager.holdInstanceMs) : null;
  return [
    workerItems.map((item) => eagerEligible(item, eager)),
    Math.max(0, Math.floor(eager.maxItems)),
    Math.ceil(eager.lockTimeoutMs),
    newTokenPrefix(),
    hold,
  ];
}

/** The effects of a committed turn from its 'ack' and 'lease' rows; null when it was not acked. */
export function decodeEagerRows(request: AckRequest, rows: readonly EagerRow[]): EagerAckEffects | null {
  const ack = rows.find((row) => row.kind === 'ack');
  if (ack === undefined || ack.acked !== true) return null;
  const touchedInstances = new Set([request.instanceId]);
  for (const { item } of request.ack.orchestratorItems) touchedInstances.add(item.instance);
  const leases: WorkItemLease[] = [];
  for (const row of rows) {
    if (row.kind !== 'lease' || row.lock_token === null || row.work_item === null) continue;
    // The engine wrote this JSON in the same call: it parses (a corrupt item is only possible
    // for rows written by others, which are never locked here).
    leases.push({
      item: JSON.parse(row.work_item) as ActivityExecuteItem,
      lockToken: row.lock_token,
      attemptCount: row.attempt_count ?? 1,
    });
  }
  return {
    orchestratorReady: ack.orchestrator_ready ?? 0,
    orchestratorDueAt: ack.orchestrator_due,
    workerReady: ack.worker_ready ?? 0,
    touchedInstances,
    leases,
    heldUntilMs: ack.held_until,
  };
}

/** Commits the turn and locks its eligible new activities; null when the lease was gone. */
export async function ackOrchestrationItemEager(
  ctx: QueryContext,
  db: Db,
  input: EagerAckInput,
): Promise<EagerAckEffects | null> {
  const { nowMs, eager } = input;
  const result = await run<EagerRow>(db, statement(ctx, 'ack_orchestration_item_eager', SQL), [
    nowMs,
    ctx.origin,
    JSON.stringify(encodeAck(input, nowMs)),
    ...eagerParameters(input.ack.workerItems, eager),
  ]);
  return decodeEagerRows(input, result.rows);
}
