/**
 * Eager dispatch and held turns (docs/performance.md, "Issue 17"): one call of
 * `ack_eager_turns`, which commits a batch of eager acks and held turns in one transaction.
 * An eager ack commits its turn as `ack_and_fetch` does and locks up to `maxItems` of the
 * activity items it inserted for its caller (as a fetch would), keeping the instance's lease
 * when asked to hold it and the turn's one activity was locked. A held turn first deletes its
 * activity's item under its lease, then commits the instance's next turn the same way — or,
 * when the kept lease is gone or messages wait for the instance, enqueues the activity's
 * completion as `ackWorkItem` would and lets the lease go. One NOTIFY per batch.
 */
import { eagerEligible } from '../../../core/eager-work.js';
import type { ActivityExecuteItem, OrchestratorWorkItem } from '../../../core/history.js';
import type { EagerWorkRequest, WorkItemLease } from '../../../core/provider.js';
import { newTokenPrefix } from '../lock-tokens.js';
import { encodeAck, type AckEffects, type AckRequest } from './ack-and-fetch.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.ack_eager_turns($1::bigint, $2::text, $3::jsonb)`;

interface Row {
  request: number;
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

/** The activity a held turn consumes: its row and lease, and its result. */
export interface HeldWork {
  rowId: number;
  lockToken: string;
  /** Enqueued only when the turn is not committed. */
  completion: OrchestratorWorkItem;
}

/** An eager ack, or (with `held`) a held turn. */
export interface EagerTurnRequest extends AckRequest {
  eager: EagerWorkRequest;
  held?: HeldWork;
}

/** What a committed turn did: its effects, the leases it locked and the kept lease. */
export interface EagerAckEffects extends AckEffects {
  /** The locked activity items, in `ack.workerItems` order. */
  leases: WorkItemLease[];
  /** When the kept instance lease expires; null when it was released. */
  heldUntilMs: number | null;
}

/**
 * Per request: its turn committed (effects); 'not-acked' (an eager ack whose lease was gone,
 * nothing written); for a held turn also 'lost' (the activity's lease was gone, nothing
 * written) or 'released' (the activity was acked alone and the lease let go).
 */
export type EagerTurnOutcome =
  | { outcome: 'committed'; effects: EagerAckEffects }
  | { outcome: 'not-acked' }
  | { outcome: 'lost' }
  | { outcome: 'released' };

/** A request as the jsonb object ack_eager_turns reads. */
function encodeRequest(request: EagerTurnRequest, nowMs: number): unknown {
  const { eager, held } = request;
  return {
    ack: encodeAck(request, nowMs),
    // The rules every provider shares, one flag per worker item.
    eligible: request.ack.workerItems.map((item) => eagerEligible(item, eager)),
    max_items: Math.max(0, Math.floor(eager.maxItems)),
    lock_timeout_ms: Math.ceil(eager.lockTimeoutMs),
    token_prefix: newTokenPrefix(),
    hold_ms:
      eager.holdInstanceMs !== undefined && eager.holdInstanceMs > 0 ? Math.ceil(eager.holdInstanceMs) : null,
    held:
      held === undefined
        ? null
        : {
            work_id: held.rowId,
            work_token: held.lockToken,
            instance: held.completion.instance,
            completion: JSON.stringify(held.completion),
          },
  };
}

/** The outcome of one request from its rows. */
function decodeRows(request: EagerTurnRequest, rows: readonly Row[]): EagerTurnOutcome {
  const first = rows[0];
  if (first?.kind === 'lost') return { outcome: 'lost' };
  if (first?.kind === 'released') return { outcome: 'released' };
  const ack = rows.find((row) => row.kind === 'ack');
  if (ack === undefined || ack.acked !== true) return { outcome: 'not-acked' };
  const touchedInstances = new Set([request.instanceId]);
  for (const { item } of request.ack.orchestratorItems) touchedInstances.add(item.instance);
  const leases: WorkItemLease[] = [];
  for (const row of rows) {
    if (row.kind !== 'lease' || row.lock_token === null || row.work_item === null) continue;
    // The engine wrote this JSON for the turn just committed.
    leases.push({
      item: JSON.parse(row.work_item) as ActivityExecuteItem,
      lockToken: row.lock_token,
      attemptCount: row.attempt_count ?? 1,
    });
  }
  return {
    outcome: 'committed',
    effects: {
      orchestratorReady: ack.orchestrator_ready ?? 0,
      orchestratorDueAt: ack.orchestrator_due,
      workerReady: ack.worker_ready ?? 0,
      touchedInstances,
      leases,
      heldUntilMs: ack.held_until,
    },
  };
}

/** Commits the batch; one outcome per request, in order. */
export async function ackEagerTurns(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number; requests: readonly EagerTurnRequest[] },
): Promise<EagerTurnOutcome[]> {
  const { nowMs, requests } = input;
  const result = await run<Row>(db, statement(ctx, 'ack_eager_turns', SQL), [
    nowMs,
    ctx.origin,
    JSON.stringify(requests.map((request) => encodeRequest(request, nowMs))),
  ]);
  return requests.map((request, index) =>
    decodeRows(
      request,
      result.rows.filter((row) => row.request === index + 1),
    ),
  );
}
