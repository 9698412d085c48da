/**
 * Held turns (src/engine/runtime/held-turns.ts): one call of `ack_held_turn`, which deletes a
 * finished activity's item under its lease and, when the instance lease an earlier eager ack
 * kept is still live and no message waits for the instance, commits the instance's next turn
 * in the same transaction (with the eager and hold rules of `ack_orchestration_item_eager`).
 * Otherwise it enqueues the activity's completion as `ackWorkItem` would and lets the lease go.
 */
import type { OrchestratorWorkItem } from '../../../core/history.js';
import type { EagerWorkRequest } from '../../../core/provider.js';
import { encodeAck, type AckRequest } from './ack-and-fetch.js';
import {
  decodeEagerRows,
  eagerParameters,
  type EagerAckEffects,
  type EagerRow,
} from './ack-orchestration-item-eager.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.ack_held_turn(
     $1::bigint, $2::text, $3::jsonb, $4::bigint, $5::text, $6::text, $7::text, $8::boolean[],
     $9::integer, $10::bigint, $11::text, $12::bigint)`;

export interface HeldTurnInput extends AckRequest {
  nowMs: number;
  /** The activity item's row id and lock token. */
  workRowId: number;
  workLockToken: string;
  /** Its result, enqueued only when the turn is not committed. */
  completion: OrchestratorWorkItem;
  eager: EagerWorkRequest;
}

/**
 * How it ended: the activity's lease was gone (nothing written), the turn committed (its
 * effects), or the activity was acked alone and the lease released.
 */
export type HeldTurnOutcome =
  { outcome: 'lost' } | { outcome: 'committed'; effects: EagerAckEffects } | { outcome: 'released' };

export async function ackHeldTurn(ctx: QueryContext, db: Db, input: HeldTurnInput): Promise<HeldTurnOutcome> {
  const { nowMs, eager, completion } = input;
  const result = await run<EagerRow>(db, statement(ctx, 'ack_held_turn', SQL), [
    nowMs,
    ctx.origin,
    JSON.stringify(encodeAck(input, nowMs)),
    input.workRowId,
    input.workLockToken,
    completion.instance,
    JSON.stringify(completion),
    ...eagerParameters(input.ack.workerItems, eager),
  ]);
  const first = result.rows[0];
  if (first === undefined || first.kind === 'lost') return { outcome: 'lost' };
  if (first.kind === 'released') return { outcome: 'released' };
  const effects = decodeEagerRows(input, result.rows.slice(1));
  // The function checked the lease under lock before applying the turn: it cannot be refused.
  if (effects === null) throw new Error('ack_held_turn committed no turn');
  return { outcome: 'committed', effects };
}
