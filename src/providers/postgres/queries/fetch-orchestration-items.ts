/**
 * Fetch of orchestration batches for `count` coalesced callers: one call of
 * `fetch_orchestration_items`, which locks up to `count` instances (each the instance of the
 * oldest eligible message at that point), tags their visible messages and returns them with the
 * current execution's history and committed KV (see 000002-functions.sql for the locking). With
 * no eligible work it returns the earliest delayed message's time instead, for the caller's
 * wake-up timer — so an empty poll costs one round trip, too.
 */
import type { HistoryEvent, OrchestratorWorkItem } from '../../../core/history.js';
import type { KvEntry, OrchestrationItem } from '../../../core/provider.js';
import type { HistoryCache } from '../history-cache.js';
import { newTokenPrefix } from '../lock-tokens.js';
import { run, statement, type Db, type QueryContext } from './context.js';

const SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.fetch_orchestration_items($1::bigint, $2::bigint, $3::text[], $4::jsonb)`;

// The same with a skip list (000004); only used when the list is not empty.
const SKIPPING_SQL = (schema: string): string =>
  `SELECT * FROM ${schema}.fetch_orchestration_items_skipping(
     $1::bigint, $2::bigint, $3::text[], $4::jsonb, $5::text[])`;

/** A row of fetch_orchestration_items (also returned by ack_orchestration_items' prefetch). */
export interface FetchRow {
  instance_id: string | null;
  lock_token: string | null;
  attempt_count: number | null;
  messages: string[] | null;
  orchestration_name: string | null;
  orchestration_version: string | null;
  execution_id: number | null;
  instance_found: boolean | null;
  created_at: number | null;
  /** 0 = the whole history; else only the events after this id (the cached prefix is valid). */
  history_after: number | null;
  history_json: string | null;
  history_count: number | null;
  last_event_id: number | null;
  last_event_md5: string | null;
  kv_snapshot: Record<string, [string, number]> | null;
  next_visible_at: number | null;
}

export interface FetchOrchestrationInput {
  nowMs: number;
  lockTimeoutMs: number;
  /** How many instances to lock at most (one per waiting caller). */
  count: number;
  /** Long histories decoded by earlier fetches; read and refreshed. */
  cache: HistoryCache;
  /** Orchestration names to leave to other workers. */
  skip?: readonly string[];
}

export interface FetchedOrchestrations {
  /** Up to `count` locked batches, each of a different instance. */
  items: OrchestrationItem[];
  /** With no item: when the earliest delayed message becomes visible, if any. */
  nextVisibleAt: number | null;
}

export async function fetchOrchestrationItems(
  ctx: QueryContext,
  db: Db,
  input: FetchOrchestrationInput,
): Promise<FetchedOrchestrations> {
  const prefixes = Array.from({ length: input.count }, newTokenPrefix);
  const known = input.cache.known();
  const params: unknown[] = [
    input.nowMs,
    input.lockTimeoutMs,
    prefixes,
    known === null ? null : JSON.stringify(known),
  ];
  const skip = input.skip ?? [];
  const result =
    skip.length === 0
      ? await run<FetchRow>(db, statement(ctx, 'fetch_orchestration_items', SQL), params)
      : await run<FetchRow>(db, statement(ctx, 'fetch_orchestration_items_skipping', SKIPPING_SQL), [
          ...params,
          skip,
        ]);
  return decodeFetchRows(result.rows, input.cache);
}

/** Locked batches (and the next-visible time when there were none) from fetch rows. */
export function decodeFetchRows(rows: readonly FetchRow[], cache: HistoryCache): FetchedOrchestrations {
  const items: OrchestrationItem[] = [];
  let nextVisibleAt: number | null = null;
  for (const row of rows) {
    if (row.instance_id === null || row.lock_token === null) nextVisibleAt = row.next_visible_at;
    else items.push(decodeBatch(row, row.instance_id, row.lock_token, cache));
  }
  return { items, nextVisibleAt };
}

/** Cached prefix + decoded new rows; refreshes the cache when the result is good. */
function historyOf(
  row: FetchRow,
  instanceId: string,
  cache: HistoryCache,
): { events: HistoryEvent[]; error?: string } {
  const after = row.history_after ?? 0;
  const cached = after > 0 ? cache.get(instanceId) : undefined;
  if (after > 0 && (cached === undefined || cached.lastEventId !== after)) {
    // Cannot happen unless the cache changed under the fetch; decoding it would be wrong.
    cache.delete(instanceId);
    return { events: [], error: 'history could not be read: cached prefix went missing' };
  }
  const decoded = decodeHistory(row.history_json, row.history_count ?? 0);
  if (decoded.error !== undefined) {
    cache.delete(instanceId);
    return decoded;
  }
  const events = cached === undefined ? decoded.events : cached.events.concat(decoded.events);
  if (
    row.instance_found &&
    row.created_at !== null &&
    row.last_event_id !== null &&
    row.last_event_md5 !== null
  ) {
    cache.store(instanceId, {
      executionId: row.execution_id ?? 1,
      createdAt: row.created_at,
      events,
      lastEventId: row.last_event_id,
      lastEventMd5: row.last_event_md5,
    });
  } else if (cached !== undefined) {
    cache.delete(instanceId);
  }
  // The cache keeps `events`; the caller gets its own array.
  return { events: events.slice() };
}

/** Decodes a locked batch; undecodable rows become `historyError` rather than an exception. */
function decodeBatch(
  row: FetchRow,
  instanceId: string,
  lockToken: string,
  cache: HistoryCache,
): OrchestrationItem {
  const { messages, error: messageError } = decodeMessages(row.messages ?? []);
  const history = historyOf(row, instanceId, cache);
  const historyError = messageError ?? history.error;
  const identity = row.instance_found
    ? {
        orchestrationName: row.orchestration_name ?? 'unknown',
        orchestrationVersion: row.orchestration_version,
      }
    : identityFromMessages(messages);
  const item: OrchestrationItem = {
    instanceId,
    ...identity,
    executionId: row.execution_id ?? 1,
    history: historyError === undefined ? history.events : [],
    messages,
    lockToken,
    attemptCount: row.attempt_count ?? 1,
    kvSnapshot: decodeKv(row.kv_snapshot),
  };
  if (historyError !== undefined) item.historyError = historyError;
  return item;
}

function decodeMessages(raw: readonly string[]): { messages: OrchestratorWorkItem[]; error?: string } {
  const messages: OrchestratorWorkItem[] = [];
  let error: string | undefined;
  raw.forEach((text, index) => {
    try {
      messages.push(JSON.parse(text) as OrchestratorWorkItem);
    } catch (err) {
      error ??= `queue message ${index + 1} of the batch could not be decoded: ${(err as Error).message}`;
    }
  });
  return error === undefined ? { messages } : { messages, error };
}

/** The history arrives as one JSON array text (the rows joined server-side): one parse call. */
function decodeHistory(json: string | null, count: number): { events: HistoryEvent[]; error?: string } {
  if (json === null || count === 0) return { events: [] };
  try {
    const events = JSON.parse(json) as HistoryEvent[];
    // A row like `{…},{…}` would parse joined but is corrupt; the count catches it.
    if (Array.isArray(events) && events.length === count) return { events };
    return { events: [], error: `history rows could not be decoded as a list of ${count} events` };
  } catch (err) {
    return { events: [], error: `history could not be decoded: ${(err as Error).message}` };
  }
}

function decodeKv(raw: Record<string, [string, number]> | null): Record<string, KvEntry> {
  if (raw === null) return {};
  // fromEntries defines own properties, so even a key named "__proto__" stays a plain key.
  return Object.fromEntries(
    Object.entries(raw).map(([key, [value, lastUpdatedAtMs]]) => [
      key,
      { value, lastUpdatedAtMs: Number(lastUpdatedAtMs) },
    ]),
  );
}

/** Name and version of a new instance, from a start message in the batch. */
function identityFromMessages(messages: readonly OrchestratorWorkItem[]): {
  orchestrationName: string;
  orchestrationVersion: string | null;
} {
  for (const message of messages) {
    if (message.type === 'StartOrchestration' || message.type === 'ContinueAsNew') {
      return { orchestrationName: message.orchestration, orchestrationVersion: message.version ?? null };
    }
  }
  return { orchestrationName: 'unknown', orchestrationVersion: null };
}
