/**
 * The worker queue: activity executions fetched one at a time with peek-lock, routed by tag and
 * session.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
import { LockLostError } from '../../core/errors.js';
import type { ActivityExecuteItem, OrchestratorWorkItem } from '../../core/history.js';
import type { FetchWorkItemOptions, TagFilter, WorkItemLease } from '../../core/provider.js';
import { newWorkItemLockToken, rowOfLockToken } from './lock-tokens.js';
import type { OrchestratorQueue } from './orchestrator-queue.js';
import type { SessionTable } from './sessions.js';

// An expired lock is the same as no lock. Clearing expired locks first lets the fetch scan only
// the partial index of unlocked rows (idx_worker_ready); idx_worker_expiry keeps this a narrow
// range scan that usually finds nothing.
const RELEASE_EXPIRED = `
  UPDATE worker_queue SET lock_token = NULL, locked_until = NULL
  WHERE lock_token IS NOT NULL AND locked_until <= @now`;

// Whether the sweep above would release anything (idle-poll pre-check).
const ANY_EXPIRED = 'SELECT 1 FROM worker_queue WHERE lock_token IS NOT NULL AND locked_until <= ? LIMIT 1';

const TAG_CLAUSES: Record<Exclude<TagFilter['mode'], 'none'>, string> = {
  defaultOnly: 'q.tag IS NULL',
  tags: 'q.tag IN (SELECT value FROM json_each(@tags))',
  defaultAnd: '(q.tag IS NULL OR q.tag IN (SELECT value FROM json_each(@tags)))',
  any: '1',
};

// Without a session config only session-less items qualify; with one, also items whose session
// is unowned, expired or already ours (a primary-key probe of sessions per session item).
const NO_SESSION_CLAUSE = 'q.session_id IS NULL';
const SESSION_CLAUSE = `(q.session_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM sessions AS s
    WHERE s.session_id = q.session_id AND s.locked_until > @now AND s.worker_id <> @ownerId))`;

// Activities other workers run and this one does not (@skip, a JSON array of names). Read from
// the item's JSON, so it costs a parse per scanned row: only used with a skip list.
const SKIP_CLAUSE = `coalesce(
    CASE WHEN json_valid(q.work_item) THEN json_extract(q.work_item, '$.name') END
      NOT IN (SELECT value FROM json_each(@skip)),
    1)`;

/** Lowest-id unlocked visible item allowed by the tag filter, session rules and skip list. */
function candidateSql(
  mode: Exclude<TagFilter['mode'], 'none'>,
  withSession: boolean,
  skipping: boolean,
): string {
  return `
    SELECT q.id, q.session_id FROM worker_queue AS q
    WHERE q.lock_token IS NULL AND q.visible_at <= @now
      AND ${TAG_CLAUSES[mode]}
      AND ${withSession ? SESSION_CLAUSE : NO_SESSION_CLAUSE}
      ${skipping ? `AND ${SKIP_CLAUSE}` : ''}
    ORDER BY q.id
    LIMIT 1`;
}

const LOCK_ITEM = `
  UPDATE worker_queue
  SET lock_token = @token, locked_until = @lockedUntil, attempt_count = attempt_count + 1
  WHERE id = @id
  RETURNING work_item, attempt_count`;

// Ack deletes only under a live lease of this token: a withdrawn (cancelled) or expired item
// yields no row, which the caller reports as a lost lock.
const DELETE_LOCKED = `
  DELETE FROM worker_queue WHERE id = ? AND lock_token = ? AND locked_until > ? RETURNING session_id`;

const RENEW_LOCK = `
  UPDATE worker_queue SET locked_until = @lockedUntil
  WHERE id = @id AND lock_token = @token AND locked_until > @now
  RETURNING session_id`;

const UNLOCK = `
  UPDATE worker_queue
  SET lock_token = NULL, locked_until = NULL,
      visible_at = CASE WHEN @delayed THEN @visibleAt ELSE visible_at END,
      attempt_count = CASE WHEN @ignoreAttempt THEN max(attempt_count - 1, 0) ELSE attempt_count END
  WHERE id = @id AND lock_token = @token
  RETURNING session_id`;

const INSERT_ITEM = `
  INSERT INTO worker_queue
    (work_item, visible_at, instance_id, execution_id, activity_id, session_id, tag, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

const WITHDRAW_ITEM =
  'DELETE FROM worker_queue WHERE instance_id = ? AND execution_id = ? AND activity_id = ?';

const SELECT_NEXT_DUE =
  'SELECT min(visible_at) FROM worker_queue WHERE visible_at > ? AND lock_token IS NULL';

/** A row locked by the fetch transaction, still encoded. */
interface LockedRow {
  workItem: string;
  lockToken: string;
  attemptCount: number;
}

type CandidateParams = { now: number; tags: string; ownerId: string; skip?: string };
type CandidateRow = { id: number; session_id: string | null };
type CandidateStatement = Database.Statement<[CandidateParams], CandidateRow>;

/** Worker-queue operations on one connection; statements are prepared once. */
export class WorkerQueue {
  private readonly candidates = new Map<string, CandidateStatement>();
  private readonly releaseExpired;
  private readonly anyExpired;
  private readonly lockItem;
  private readonly deleteLocked;
  private readonly renewLock;
  private readonly unlock;
  private readonly insertItem;
  private readonly withdrawItem;
  private readonly selectNextDue;
  private readonly fetchTx;
  private readonly ackTx;
  private readonly renewTx;
  private readonly abandonTx;
  private readonly enqueueTx;

  constructor(
    private readonly db: Database.Database,
    private readonly sessions: SessionTable,
    private readonly orchestratorQueue: OrchestratorQueue,
    private readonly clock: Clock,
  ) {
    this.releaseExpired = db.prepare<{ now: number }>(RELEASE_EXPIRED);
    this.anyExpired = db.prepare<[number], number>(ANY_EXPIRED).pluck();
    this.lockItem = db.prepare<
      { id: number; token: string; lockedUntil: number },
      { work_item: string; attempt_count: number }
    >(LOCK_ITEM);
    this.deleteLocked = db.prepare<[number, string, number], { session_id: string | null }>(DELETE_LOCKED);
    this.renewLock = db.prepare<
      { id: number; token: string; lockedUntil: number; now: number },
      { session_id: string | null }
    >(RENEW_LOCK);
    this.unlock = db.prepare<
      { id: number; token: string; delayed: number; visibleAt: number; ignoreAttempt: number },
      { session_id: string | null }
    >(UNLOCK);
    this.insertItem =
      db.prepare<[string, number, string, number, number, string | null, string | null, number]>(INSERT_ITEM);
    this.withdrawItem = db.prepare<[string, number, number]>(WITHDRAW_ITEM);
    this.selectNextDue = db.prepare<[number], number | null>(SELECT_NEXT_DUE).pluck();
    this.fetchTx = db.transaction((lockTimeoutMs: number, options: FetchWorkItemOptions) =>
      this.fetchRaw(lockTimeoutMs, options),
    );
    this.ackTx = db.transaction((token: string, completion: OrchestratorWorkItem | null) =>
      this.ackRaw(token, completion),
    );
    this.renewTx = db.transaction((token: string, extendMs: number) => this.renewRaw(token, extendMs));
    this.abandonTx = db.transaction((token: string, delayMs: number | undefined, ignoreAttempt: boolean) =>
      this.abandonRaw(token, delayMs, ignoreAttempt),
    );
    this.enqueueTx = db.transaction((item: ActivityExecuteItem) => this.insert(item, this.clock.now()));
    // Default-only without sessions is the common fetch; prepare it up front.
    this.candidate('defaultOnly', false, false);
  }

  /**
   * Locks the next eligible item, or returns null. One IMMEDIATE transaction; the item is decoded
   * after commit, so a corrupt row stays locked (and is retried after the lease) instead of
   * being handed out again at once.
   */
  fetch(lockTimeoutMs: number, options: FetchWorkItemOptions): WorkItemLease | null {
    if (options.tagFilter.mode === 'none' || !this.mayHaveWork(options)) return null;
    const locked = this.fetchTx.immediate(lockTimeoutMs, options);
    if (locked === null) return null;
    return {
      item: JSON.parse(locked.workItem) as ActivityExecuteItem,
      lockToken: locked.lockToken,
      attemptCount: locked.attemptCount,
    };
  }

  /**
   * Read-only pre-check, so idle polls take no write lock: WAL readers never wait for (or block)
   * another process's writer. The fetch transaction looks again.
   */
  private mayHaveWork(options: FetchWorkItemOptions): boolean {
    const now = this.clock.now();
    return this.findCandidate(options, now) !== undefined || this.anyExpired.get(now) !== undefined;
  }

  private fetchRaw(lockTimeoutMs: number, options: FetchWorkItemOptions): LockedRow | null {
    const now = this.clock.now();
    this.releaseExpired.run({ now });
    const found = this.findCandidate(options, now);
    if (found === undefined) return null;
    const { session } = options;
    const lockToken = newWorkItemLockToken(found.id);
    const locked = this.lockItem.get({ id: found.id, token: lockToken, lockedUntil: now + lockTimeoutMs });
    if (locked === undefined) return null;
    if (found.session_id !== null && session !== undefined) {
      this.sessions.claim(found.session_id, session.ownerId, session.lockTimeoutMs, now);
    }
    return { workItem: locked.work_item, lockToken, attemptCount: locked.attempt_count };
  }

  private findCandidate(options: FetchWorkItemOptions, now: number): CandidateRow | undefined {
    const { tagFilter, session } = options;
    if (tagFilter.mode === 'none') return undefined;
    const tags =
      tagFilter.mode === 'tags' || tagFilter.mode === 'defaultAnd' ? JSON.stringify(tagFilter.tags) : '[]';
    const skip = options.skipActivities ?? [];
    const params: CandidateParams = { now, tags, ownerId: session?.ownerId ?? '' };
    if (skip.length > 0) params.skip = JSON.stringify(skip);
    return this.candidate(tagFilter.mode, session !== undefined, skip.length > 0).get(params);
  }

  private candidate(
    mode: Exclude<TagFilter['mode'], 'none'>,
    withSession: boolean,
    skipping: boolean,
  ): CandidateStatement {
    const key = `${mode}/${withSession ? 'session' : 'plain'}${skipping ? '/skip' : ''}`;
    let statement = this.candidates.get(key);
    if (statement === undefined) {
      statement = this.db.prepare<CandidateParams, CandidateRow>(candidateSql(mode, withSession, skipping));
      this.candidates.set(key, statement);
    }
    return statement;
  }

  /** Deletes the item under a live lease and enqueues its completion (null drops it). */
  ack(token: string, completion: OrchestratorWorkItem | null): void {
    this.ackTx.immediate(token, completion);
  }

  private ackRaw(token: string, completion: OrchestratorWorkItem | null): void {
    const now = this.clock.now();
    this.consumeLocked(token, now);
    if (completion !== null) this.orchestratorQueue.insert(completion, now, now);
  }

  /**
   * Deletes the item under a live lease inside the caller's transaction (its result goes
   * elsewhere); `LockLostError` when the lease is gone.
   */
  consumeLocked(token: string, now: number): void {
    const id = rowOfLockToken(token);
    const deleted = id === null ? undefined : this.deleteLocked.get(id, token, now);
    if (deleted === undefined)
      throw new LockLostError('activity lock expired, or the activity was withdrawn');
    this.sessions.touch(deleted.session_id, now);
  }

  /** Extends a live lease; `LockLostError` means the activity was withdrawn or its lock lost. */
  renew(token: string, extendMs: number): void {
    this.renewTx.immediate(token, extendMs);
  }

  private renewRaw(token: string, extendMs: number): void {
    const now = this.clock.now();
    const id = rowOfLockToken(token);
    const renewed =
      id === null ? undefined : this.renewLock.get({ id, token, lockedUntil: now + extendMs, now });
    if (renewed === undefined)
      throw new LockLostError('activity lock expired, or the activity was withdrawn');
    this.sessions.touch(renewed.session_id, now);
  }

  /** Releases the lease; returns when the item becomes visible again. */
  abandon(token: string, delayMs: number | undefined, ignoreAttempt: boolean): number {
    return this.abandonTx.immediate(token, delayMs, ignoreAttempt);
  }

  private abandonRaw(token: string, delayMs: number | undefined, ignoreAttempt: boolean): number {
    const now = this.clock.now();
    const delayed = delayMs !== undefined && delayMs > 0;
    const visibleAt = delayed ? now + delayMs : now;
    const id = rowOfLockToken(token);
    if (id === null) throw new LockLostError('activity lock token is malformed');
    const released = this.unlock.get({
      id,
      token,
      delayed: delayed ? 1 : 0,
      visibleAt,
      ignoreAttempt: ignoreAttempt ? 1 : 0,
    });
    if (released === undefined) throw new LockLostError('activity lock token is unknown or already released');
    return visibleAt;
  }

  /** Inserts an activity item in its own IMMEDIATE transaction. */
  enqueue(item: ActivityExecuteItem): void {
    this.enqueueTx.immediate(item);
  }

  /** Inserts an activity item inside the caller's transaction; returns its row id. */
  insert(item: ActivityExecuteItem, now: number): number {
    const { lastInsertRowid } = this.insertItem.run(
      JSON.stringify(item),
      now,
      item.instance,
      item.execution_id,
      item.id,
      item.session_id ?? null,
      item.tag ?? null,
      now,
    );
    return Number(lastInsertRowid);
  }

  /**
   * Locks row `id` (just inserted by the caller's transaction) as a fetch would, inside that
   * transaction: eager dispatch. Null when the row is gone (withdrawn in the same turn).
   */
  lockInserted(id: number, lockTimeoutMs: number, now: number): WorkItemLease | null {
    const lockToken = newWorkItemLockToken(id);
    const locked = this.lockItem.get({ id, token: lockToken, lockedUntil: now + lockTimeoutMs });
    if (locked === undefined) return null;
    return {
      item: JSON.parse(locked.work_item) as ActivityExecuteItem,
      lockToken,
      attemptCount: locked.attempt_count,
    };
  }

  /** Withdraws a scheduled activity, wherever it is (queued or running); missing is fine. */
  withdraw(instanceId: string, executionId: number, activityId: number): void {
    this.withdrawItem.run(instanceId, executionId, activityId);
  }

  /** Earliest visible time after `afterMs` of an unlocked item, or null. */
  nextDueAt(afterMs: number): number | null {
    return this.selectNextDue.get(afterMs) ?? null;
  }
}
