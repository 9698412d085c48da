/**
 * Acks with the next fetches in one round trip: one call of `ack_and_fetch`, which commits a
 * batch of orchestration turns (history, instance and execution rows, custom status, KV, new
 * work, withdrawn activities, consumed messages, lease — or nothing for a turn whose lease is
 * gone) and of activity completions, then optionally fetches orchestration batches and
 * activities in the same transaction (see prefetch.ts), and sends one NOTIFY. Batches travel as
 * jsonb parameters whatever their size; event and work-item JSON ride inside as strings, so
 * they are stored exactly as the engine wrote them.
 */
import type { OrchestratorWorkItem } from '../../../core/history.js';
import type { OrchestrationAck, WorkItemLease } from '../../../core/provider.js';
import type { HistoryCache } from '../history-cache.js';
import { newTokenPrefix } from '../lock-tokens.js';
import { assertNever } from '../../../core/exhaustive.js';
import { run, statement, type Db, type QueryContext } from './context.js';
import { decodeFetchRows, type FetchedOrchestrations, type FetchRow } from './fetch-orchestration-items.js';
import { decodeLeaseRows, tagParameters, type WorkFetchShape } from './fetch-work-items.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.ack_and_fetch(
     $1::bigint, $2::text, $3::jsonb, $4::jsonb, $5::bigint, $6::text[], $7::jsonb, $8::bigint,
     $9::text[], $10::boolean, $11::boolean, $12::text[], $13::text[], $14::bigint)`;

interface Row extends FetchRow {
  kind: 'ack' | 'work_ack' | 'batch' | 'next' | 'lease';
  acked: boolean | null;
  orchestrator_ready: number | null;
  orchestrator_due: number | null;
  worker_ready: number | null;
  caller: number | null;
  work_id: number | null;
  work_item: string | null;
}

export interface AckRequest {
  instanceId: string;
  lockToken: string;
  ack: OrchestrationAck;
}

/** What a committed ack made available, for in-process wake-ups. */
export interface AckEffects {
  /** Orchestrator items visible now (new ones, plus 1 for messages that waited for the lease). */
  orchestratorReady: number;
  /** Earliest future visibility among the new orchestrator items. */
  orchestratorDueAt: number | null;
  workerReady: number;
  /** The acked instance and every instance that received an orchestrator item. */
  touchedInstances: Set<string>;
}

/** One turn as the jsonb object apply_orchestration_ack reads. */
export function encodeAck(request: AckRequest, nowMs: number): unknown {
  const { ack, instanceId, lockToken } = request;
  const { metadata } = ack;
  const status = metadata.status ?? null;
  return {
    instance: instanceId,
    token: lockToken,
    execution_id: ack.executionId,
    name: metadata.orchestrationName ?? null,
    version: metadata.orchestrationVersion ?? null,
    parent: metadata.parentInstanceId ?? null,
    status,
    output: status === null ? null : (metadata.output ?? null),
    cs_set: ack.customStatus !== undefined,
    cs: ack.customStatus?.status ?? null,
    history: ack.historyDelta.map((event) => ({
      id: event.event_id,
      type: event.type,
      data: JSON.stringify(event),
    })),
    worker_items: ack.workerItems.map((item) => ({
      item: JSON.stringify(item),
      instance: item.instance,
      execution_id: item.execution_id,
      activity_id: item.id,
      session_id: item.session_id ?? null,
      tag: item.tag ?? null,
    })),
    orchestrator_items: ack.orchestratorItems.map(({ item, visibleAtMs }) => ({
      instance: item.instance,
      item: JSON.stringify(item),
      visible_at: visibleAtMs ?? nowMs,
    })),
    cancelled: ack.cancelledActivities.map((id) => ({
      instance: id.instanceId,
      execution_id: id.executionId,
      activity_id: id.activityId,
    })),
    kv: ack.kvMutations.map((mutation) => {
      switch (mutation.op) {
        case 'set':
          return { op: 'set', key: mutation.key, value: mutation.value, ts: mutation.lastUpdatedAtMs };
        case 'clear':
          return { op: 'clear', key: mutation.key };
        case 'clearAll':
          return { op: 'clearAll' };
        default:
          return assertNever(mutation);
      }
    }),
  };
}

/** A completed activity: delete its item under this lease, enqueue the completion (null drops it). */
export interface AckWorkRequest {
  rowId: number;
  lockToken: string;
  completion: OrchestratorWorkItem | null;
}

export interface AckAndFetchInput {
  nowMs: number;
  turns: readonly AckRequest[];
  completions: readonly AckWorkRequest[];
  /** Fetch up to `count` orchestration batches afterwards. */
  orchestrations?: { lockTimeoutMs: number; count: number; cache: HistoryCache };
  /** Fetch an activity afterwards for each owner listed (null = session-less items only). */
  activities?: { shape: WorkFetchShape; ownerIds: (string | null)[] };
}

export interface AckAndFetchResult {
  /** Per turn: its effects, or null when its lease was gone (nothing written). */
  turns: (AckEffects | null)[];
  /** Per completion: false when the lease expired or the item was withdrawn. */
  completions: boolean[];
  orchestrations: FetchedOrchestrations | null;
  /** Per owner of `activities`, its lease or null. */
  activities: (WorkItemLease | null)[];
}

export async function ackAndFetch(
  ctx: QueryContext,
  db: Db,
  input: AckAndFetchInput,
): Promise<AckAndFetchResult> {
  const { nowMs, turns, completions, orchestrations, activities } = input;
  const known = orchestrations?.cache.known() ?? null;
  const [anyTag, defaultTag, tags] =
    activities === undefined ? [false, false, []] : tagParameters(activities.shape.tagFilter);
  const result = await run<Row>(db, statement(ctx, 'ack_and_fetch', SQL), [
    nowMs,
    ctx.origin,
    JSON.stringify(turns.map((request) => encodeAck(request, nowMs))),
    JSON.stringify(
      completions.map(({ rowId, lockToken, completion }) => ({
        id: rowId,
        token: lockToken,
        instance: completion?.instance ?? null,
        completion: completion === null ? null : JSON.stringify(completion),
      })),
    ),
    orchestrations?.lockTimeoutMs ?? null,
    orchestrations === undefined ? null : Array.from({ length: orchestrations.count }, newTokenPrefix),
    known === null ? null : JSON.stringify(known),
    activities?.shape.lockTimeoutMs ?? null,
    activities === undefined ? null : activities.ownerIds.map(newTokenPrefix),
    anyTag,
    defaultTag,
    tags,
    activities?.ownerIds ?? null,
    activities?.shape.sessionLockTimeoutMs ?? null,
  ]);
  const ackRows = result.rows.filter((row) => row.kind === 'ack');
  const workAckRows = result.rows.filter((row) => row.kind === 'work_ack');
  return {
    turns: turns.map((request, index) => {
      const row = ackRows[index];
      if (row === undefined || row.acked !== true) return null;
      const touchedInstances = new Set([request.instanceId]);
      for (const { item } of request.ack.orchestratorItems) touchedInstances.add(item.instance);
      return {
        orchestratorReady: row.orchestrator_ready ?? 0,
        orchestratorDueAt: row.orchestrator_due,
        workerReady: row.worker_ready ?? 0,
        touchedInstances,
      };
    }),
    completions: completions.map((_, index) => workAckRows[index]?.acked === true),
    orchestrations:
      orchestrations === undefined
        ? null
        : decodeFetchRows(
            result.rows.filter((row) => row.kind === 'batch' || row.kind === 'next'),
            orchestrations.cache,
          ),
    activities:
      activities === undefined
        ? []
        : decodeLeaseRows(
            result.rows
              .filter((row) => row.kind === 'lease')
              .map((row) => ({
                caller: row.caller ?? 0,
                id: row.work_id,
                lock_token: row.lock_token,
                work_item: row.work_item,
                attempt_count: row.attempt_count,
              })),
            activities.ownerIds.length,
          ),
  };
}
