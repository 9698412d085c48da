/**
 * The orchestrator queue outside fetch and ack: abandon, lease renewal and enqueue. The fetch
 * lives in orchestration-fetch.ts and the ack, which touches every table, in
 * orchestration-ack.ts.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
import { LockLostError } from '../../core/errors.js';
import type { OrchestratorWorkItem, StartOrchestrationItem } from '../../core/history.js';
import { instanceOfLockToken } from './lock-tokens.js';

// Untags only this lease's messages; a later lease's tags are left alone.
const UNTAG_MESSAGES = `
  UPDATE orchestrator_queue
  SET lock_token = NULL, locked_until = NULL,
      visible_at = CASE WHEN @delayed THEN @visibleAt ELSE visible_at END,
      attempt_count = CASE WHEN @ignoreAttempt THEN max(attempt_count - 1, 0) ELSE attempt_count END
  WHERE instance_id = @instanceId AND lock_token = @token`;

const DELETE_LEASE = 'DELETE FROM instance_locks WHERE instance_id = ? AND lock_token = ?';

const RENEW_LEASE = `
  UPDATE instance_locks SET locked_until = @lockedUntil
  WHERE instance_id = @instanceId AND lock_token = @token AND locked_until > @now`;

const RENEW_MESSAGES = `
  UPDATE orchestrator_queue SET locked_until = @lockedUntil
  WHERE instance_id = @instanceId AND lock_token = @token`;

const INSERT_MESSAGE = `
  INSERT INTO orchestrator_queue (instance_id, work_item, visible_at, created_at)
  VALUES (?, ?, ?, ?)`;

// A client start creates its instance as Pending; an existing row (any status) wins. The
// status trigger of executions (migration 000002) moves it on at the first ack.
const INSERT_PENDING_INSTANCE = `
  INSERT INTO instances (instance_id, orchestration_name, orchestration_version, current_execution_id,
                         created_at, updated_at, status)
  VALUES (?, ?, ?, 1, ?, ?, 'Pending')
  ON CONFLICT (instance_id) DO NOTHING`;

// Earliest delayed message, to arm the in-process wake-up timer (idx_orch_ready range).
const SELECT_NEXT_DUE = 'SELECT min(visible_at) FROM orchestrator_queue WHERE visible_at > ?';

/** Orchestrator-queue operations on one connection; statements are prepared once. */
export class OrchestratorQueue {
  private readonly untagMessages;
  private readonly deleteLease;
  private readonly renewLease;
  private readonly renewMessages;
  private readonly insertMessage;
  private readonly selectNextDue;
  private readonly abandonTx;
  private readonly renewTx;
  private readonly enqueueTx;
  private readonly insertPendingInstance;
  private readonly createTx;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.untagMessages = db.prepare<{
      instanceId: string;
      token: string;
      delayed: number;
      visibleAt: number;
      ignoreAttempt: number;
    }>(UNTAG_MESSAGES);
    this.deleteLease = db.prepare<[string, string]>(DELETE_LEASE);
    this.renewLease = db.prepare<{ instanceId: string; token: string; lockedUntil: number; now: number }>(
      RENEW_LEASE,
    );
    this.renewMessages = db.prepare<{ instanceId: string; token: string; lockedUntil: number }>(
      RENEW_MESSAGES,
    );
    this.insertMessage = db.prepare<[string, string, number, number]>(INSERT_MESSAGE);
    this.selectNextDue = db.prepare<[number], number | null>(SELECT_NEXT_DUE).pluck();
    this.abandonTx = db.transaction((token: string, delayMs: number | undefined, ignoreAttempt: boolean) =>
      this.abandonRaw(token, delayMs, ignoreAttempt),
    );
    this.renewTx = db.transaction((token: string, extendMs: number) => this.renewRaw(token, extendMs));
    this.enqueueTx = db.transaction((item: OrchestratorWorkItem, visibleAt: number) =>
      this.insert(item, visibleAt, this.clock.now()),
    );
    this.insertPendingInstance =
      db.prepare<[string, string, string | null, number, number]>(INSERT_PENDING_INSTANCE);
    this.createTx = db.transaction((start: StartOrchestrationItem, now: number) => {
      const created =
        this.insertPendingInstance.run(start.instance, start.orchestration, start.version ?? null, now, now)
          .changes > 0;
      if (created) this.insert(start, now, now);
      return created;
    });
  }

  /**
   * Creates a Pending instance and enqueues its start (visible at `now`), in one IMMEDIATE
   * transaction; false (nothing written) when the instance exists.
   */
  createInstance(start: StartOrchestrationItem, now: number): boolean {
    return this.createTx.immediate(start, now);
  }

  /**
   * Releases a lease without committing. Returns the time its messages become visible again.
   * Throws `LockLostError` for an unknown token.
   */
  abandon(token: string, delayMs: number | undefined, ignoreAttempt: boolean): number {
    return this.abandonTx.immediate(token, delayMs, ignoreAttempt);
  }

  private abandonRaw(token: string, delayMs: number | undefined, ignoreAttempt: boolean): number {
    const now = this.clock.now();
    const instanceId = instanceOfLockToken(token);
    if (instanceId === null || this.deleteLease.run(instanceId, token).changes === 0) {
      throw new LockLostError(
        'orchestration lock token is unknown or already released',
        instanceId === null ? {} : { instanceId },
      );
    }
    const delayed = delayMs !== undefined && delayMs > 0;
    const visibleAt = delayed ? now + delayMs : now;
    this.untagMessages.run({
      instanceId,
      token,
      delayed: delayed ? 1 : 0,
      visibleAt,
      ignoreAttempt: ignoreAttempt ? 1 : 0,
    });
    return visibleAt;
  }

  /** Extends a live lease and its messages' locks; `LockLostError` when expired or unknown. */
  renew(token: string, extendMs: number): void {
    this.renewTx.immediate(token, extendMs);
  }

  private renewRaw(token: string, extendMs: number): void {
    const now = this.clock.now();
    const lockedUntil = now + extendMs;
    const instanceId = instanceOfLockToken(token);
    if (instanceId === null || this.renewLease.run({ instanceId, token, lockedUntil, now }).changes === 0) {
      throw new LockLostError(
        'orchestration lock expired or is unknown',
        instanceId === null ? {} : { instanceId },
      );
    }
    this.renewMessages.run({ instanceId, token, lockedUntil });
  }

  /** Inserts a message visible at `visibleAt`, in its own IMMEDIATE transaction. */
  enqueue(item: OrchestratorWorkItem, visibleAt: number): void {
    this.enqueueTx.immediate(item, visibleAt);
  }

  /** Inserts a message inside the caller's transaction. */
  insert(item: OrchestratorWorkItem, visibleAt: number, now: number): void {
    this.insertMessage.run(item.instance, JSON.stringify(item), visibleAt, now);
  }

  /** Earliest visible time after `afterMs` of a message, or null. */
  nextDueAt(afterMs: number): number | null {
    return this.selectNextDue.get(afterMs) ?? null;
  }
}
