/**
 * The orchestration fetch: lock the instance of the oldest eligible message, tag all its visible
 * messages, and return them with the current execution's history and committed KV state.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
import type { HistoryEvent, OrchestratorWorkItem } from '../../core/history.js';
import type { KvEntry, OrchestrationItem } from '../../core/provider.js';
import type { CachedHistory, HistoryCache } from './history-cache.js';
import type { KvTables } from './kv.js';
import { newInstanceLockToken } from './lock-tokens.js';
import { decodeHistory } from './reads.js';

// Oldest (visible_at, id) visible message whose instance has no live lease. Message tags only
// mean something under a live lease, so the lease alone decides. Runs as a covering scan of
// idx_orch_ready plus one primary-key probe of instance_locks per candidate.
const SELECT_CANDIDATE = `
  SELECT q.instance_id FROM orchestrator_queue AS q
  WHERE q.visible_at <= @now
    AND NOT EXISTS (
      SELECT 1 FROM instance_locks AS l WHERE l.instance_id = q.instance_id AND l.locked_until > @now)
  ORDER BY q.visible_at, q.id
  LIMIT 1`;

// The same, skipping instances whose orchestration is in @skip (a JSON array). The name is the
// instance row's, else the start message's: a PK probe of instances per candidate, and a JSON
// read only for messages of instances that have no row yet. A message with no name (an orphan,
// or an event for an instance not started yet) is never skipped. Used only with a skip list.
const SELECT_CANDIDATE_SKIPPING = `
  SELECT q.instance_id FROM orchestrator_queue AS q
  WHERE q.visible_at <= @now
    AND NOT EXISTS (
      SELECT 1 FROM instance_locks AS l WHERE l.instance_id = q.instance_id AND l.locked_until > @now)
    AND coalesce(
      coalesce(
        (SELECT i.orchestration_name FROM instances AS i WHERE i.instance_id = q.instance_id),
        CASE WHEN json_valid(q.work_item) THEN json_extract(q.work_item, '$.orchestration') END
      ) NOT IN (SELECT value FROM json_each(@skip)),
      1)
  ORDER BY q.visible_at, q.id
  LIMIT 1`;

// Takes (or takes over an expired) instance lease; the candidate query proved none is live.
const UPSERT_LEASE = `
  INSERT INTO instance_locks (instance_id, lock_token, locked_until, locked_at)
  VALUES (@instanceId, @token, @lockedUntil, @now)
  ON CONFLICT (instance_id) DO UPDATE SET
    lock_token = excluded.lock_token, locked_until = excluded.locked_until, locked_at = excluded.locked_at`;

// Tags every message of the instance visible now, in one statement that also returns them.
// RETURNING order is unspecified, so the caller sorts by id.
const TAG_MESSAGES = `
  UPDATE orchestrator_queue
  SET lock_token = @token, locked_until = @lockedUntil, attempt_count = attempt_count + 1
  WHERE instance_id = @instanceId AND visible_at <= @now
  RETURNING id, work_item, attempt_count`;

const SELECT_INSTANCE = `
  SELECT orchestration_name, orchestration_version, current_execution_id, created_at
  FROM instances WHERE instance_id = ?`;

// Events after `afterEventId` (0 = all), as raw [event_id, event_data] pairs decoded after
// commit. With a cached prefix this reads only the new rows.
const SELECT_HISTORY_AFTER = `
  SELECT event_id, event_data FROM history
  WHERE instance_id = ? AND execution_id = ? AND event_id > ?
  ORDER BY event_id`;

interface TaggedRow {
  id: number;
  work_item: string;
  attempt_count: number;
}

interface InstanceRow {
  orchestration_name: string;
  orchestration_version: string | null;
  current_execution_id: number;
  created_at: number;
}

type HistoryRow = [eventId: number, eventData: string];

/** What the fetch transaction read; decoded after commit to keep the write lock short. */
interface RawBatch {
  instanceId: string;
  lockToken: string;
  messages: TaggedRow[];
  instance: InstanceRow | undefined;
  executionId: number;
  /** Cached events that precede `historyRows`, if the cache was valid. */
  cached: CachedHistory | undefined;
  historyRows: HistoryRow[];
  kvSnapshot: Record<string, KvEntry>;
}

/** The orchestration fetch on one connection; statements are prepared once. */
export class OrchestrationFetcher {
  private readonly selectCandidate;
  private readonly selectCandidateSkipping;
  private readonly upsertLease;
  private readonly tagMessages;
  private readonly selectInstance;
  private readonly selectHistoryAfter;
  private readonly fetchTx;

  constructor(
    db: Database.Database,
    private readonly kv: KvTables,
    private readonly historyCache: HistoryCache,
    private readonly clock: Clock,
  ) {
    this.selectCandidate = db.prepare<{ now: number }, { instance_id: string }>(SELECT_CANDIDATE);
    this.selectCandidateSkipping = db.prepare<{ now: number; skip: string }, { instance_id: string }>(
      SELECT_CANDIDATE_SKIPPING,
    );
    this.upsertLease = db.prepare<{ instanceId: string; token: string; lockedUntil: number; now: number }>(
      UPSERT_LEASE,
    );
    this.tagMessages = db.prepare<
      { instanceId: string; token: string; lockedUntil: number; now: number },
      TaggedRow
    >(TAG_MESSAGES);
    this.selectInstance = db.prepare<[string], InstanceRow>(SELECT_INSTANCE);
    this.selectHistoryAfter = db.prepare<[string, number, number], HistoryRow>(SELECT_HISTORY_AFTER).raw();
    this.fetchTx = db.transaction((lockTimeoutMs: number, skip: string | null) =>
      this.fetchRaw(lockTimeoutMs, skip),
    );
  }

  /** Drops cached histories (after a batch that may have been read uncommitted rolled back). */
  clearCache(): void {
    this.historyCache.clear();
  }

  /** Locks the next eligible instance and returns its batch, or null. One IMMEDIATE transaction. */
  fetch(lockTimeoutMs: number, skipOrchestrations: readonly string[] = []): OrchestrationItem | null {
    const skip = skipOrchestrations.length === 0 ? null : JSON.stringify(skipOrchestrations);
    // Idle polls stop at this read: WAL readers take no lock, so an empty queue never waits
    // for (or blocks) another process's writer. The transaction below looks again.
    if (this.candidate(this.clock.now(), skip) === undefined) return null;
    const raw = this.fetchTx.immediate(lockTimeoutMs, skip);
    return raw === null ? null : this.decodeBatch(raw);
  }

  private candidate(now: number, skip: string | null): { instance_id: string } | undefined {
    return skip === null
      ? this.selectCandidate.get({ now })
      : this.selectCandidateSkipping.get({ now, skip });
  }

  private fetchRaw(lockTimeoutMs: number, skip: string | null): RawBatch | null {
    const now = this.clock.now();
    const candidate = this.candidate(now, skip);
    if (candidate === undefined) return null;
    const instanceId = candidate.instance_id;
    const lockToken = newInstanceLockToken(instanceId);
    const lease = { instanceId, token: lockToken, lockedUntil: now + lockTimeoutMs, now };
    this.upsertLease.run(lease);
    const messages = this.tagMessages.all(lease).sort((a, b) => a.id - b.id);
    const instance = this.selectInstance.get(instanceId);
    const executionId = instance?.current_execution_id ?? 1;
    const cached =
      instance === undefined
        ? undefined
        : this.historyCache.lookup(instanceId, executionId, instance.created_at);
    return {
      instanceId,
      lockToken,
      messages,
      instance,
      executionId,
      cached,
      historyRows: this.selectHistoryAfter.all(instanceId, executionId, cached?.lastEventId ?? 0),
      kvSnapshot: this.kv.snapshot(instanceId),
    };
  }

  /** Decodes a fetched batch; undecodable rows become `historyError` rather than an exception. */
  private decodeBatch(raw: RawBatch): OrchestrationItem {
    const { messages, error: messageError } = decodeMessages(raw.messages);
    const history = this.decodeHistory(raw);
    const historyError = messageError ?? history.error;
    const item: OrchestrationItem = {
      instanceId: raw.instanceId,
      ...orchestrationIdentity(raw.instance, messages),
      executionId: raw.executionId,
      history: historyError === undefined ? history.events : [],
      messages,
      lockToken: raw.lockToken,
      attemptCount: raw.messages.reduce((max, row) => Math.max(max, row.attempt_count), 0),
      kvSnapshot: raw.kvSnapshot,
    };
    if (historyError !== undefined) item.historyError = historyError;
    return item;
  }

  /** Cached prefix + decoded new rows; refreshes the cache when the result is good. */
  private decodeHistory(raw: RawBatch): { events: HistoryEvent[]; error?: string } {
    const decoded = decodeHistory(raw.historyRows.map((row) => row[1]));
    if (!decoded.ok) {
      this.historyCache.invalidate(raw.instanceId);
      return { events: [], error: decoded.error };
    }
    const prefix = raw.cached?.events ?? [];
    const events = prefix.length === 0 ? decoded.events : prefix.concat(decoded.events);
    if (raw.instance !== undefined && events.length > 0) {
      const lastRow = raw.historyRows[raw.historyRows.length - 1];
      this.historyCache.store(raw.instanceId, {
        executionId: raw.executionId,
        createdAt: raw.instance.created_at,
        events,
        lastEventId: lastRow?.[0] ?? raw.cached?.lastEventId ?? 0,
      });
    }
    // The cache keeps `events`; the caller gets its own array.
    return { events: events.slice() };
  }
}

function decodeMessages(rows: readonly TaggedRow[]): { messages: OrchestratorWorkItem[]; error?: string } {
  const messages: OrchestratorWorkItem[] = [];
  let error: string | undefined;
  for (const row of rows) {
    try {
      messages.push(JSON.parse(row.work_item) as OrchestratorWorkItem);
    } catch (err) {
      error ??= `queue message ${row.id} could not be decoded: ${(err as Error).message}`;
    }
  }
  return error === undefined ? { messages } : { messages, error };
}

/** Name and version from the instance row, else from a start message in the batch. */
function orchestrationIdentity(
  instance: InstanceRow | undefined,
  messages: readonly OrchestratorWorkItem[],
): { orchestrationName: string; orchestrationVersion: string | null } {
  if (instance !== undefined) {
    return {
      orchestrationName: instance.orchestration_name,
      orchestrationVersion: instance.orchestration_version,
    };
  }
  for (const message of messages) {
    if (message.type === 'StartOrchestration' || message.type === 'ContinueAsNew') {
      return { orchestrationName: message.orchestration, orchestrationVersion: message.version ?? null };
    }
  }
  return { orchestrationName: 'unknown', orchestrationVersion: null };
}
