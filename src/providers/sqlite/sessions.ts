/**
 * Session affinity rows: which worker owns a session, until when, and when it last did work.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';

// The fetch already proved the session unowned, expired or ours, so the claim overwrites.
const CLAIM_SESSION = `
  INSERT INTO sessions (session_id, worker_id, locked_until, last_activity_at)
  VALUES (@sessionId, @ownerId, @lockedUntil, @now)
  ON CONFLICT (session_id) DO UPDATE SET
    worker_id = excluded.worker_id, locked_until = excluded.locked_until,
    last_activity_at = excluded.last_activity_at`;

const TOUCH_SESSION = 'UPDATE sessions SET last_activity_at = ? WHERE session_id = ?';

// Owner ids arrive as one JSON array, so a single prepared statement serves any number of them.
const RENEW_SESSIONS = `
  UPDATE sessions SET locked_until = @lockedUntil
  WHERE worker_id IN (SELECT value FROM json_each(@owners))
    AND locked_until > @now AND last_activity_at > @idleCutoff`;

const DELETE_ORPHANED = `
  DELETE FROM sessions
  WHERE locked_until <= @now
    AND NOT EXISTS (SELECT 1 FROM worker_queue AS q WHERE q.session_id = sessions.session_id)`;

/** Session statements on one connection; claim and touch run inside the caller's transaction. */
export class SessionTable {
  private readonly claimSession;
  private readonly touchSession;
  private readonly renewSessions;
  private readonly deleteOrphaned;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.claimSession = db.prepare<{ sessionId: string; ownerId: string; lockedUntil: number; now: number }>(
      CLAIM_SESSION,
    );
    this.touchSession = db.prepare<[number, string]>(TOUCH_SESSION);
    this.renewSessions = db.prepare<{ owners: string; lockedUntil: number; now: number; idleCutoff: number }>(
      RENEW_SESSIONS,
    );
    this.deleteOrphaned = db.prepare<{ now: number }>(DELETE_ORPHANED);
  }

  /** Makes `ownerId` the session's owner until `now + lockTimeoutMs`. */
  claim(sessionId: string, ownerId: string, lockTimeoutMs: number, now: number): void {
    this.claimSession.run({ sessionId, ownerId, lockedUntil: now + lockTimeoutMs, now });
  }

  /** Records activity on the session (fetch, ack and renew piggyback this). */
  touch(sessionId: string | null, now: number): void {
    if (sessionId !== null) this.touchSession.run(now, sessionId);
  }

  /** Extends live, recently active sessions of these owners; returns how many. */
  renew(ownerIds: readonly string[], extendMs: number, idleTimeoutMs: number): number {
    if (ownerIds.length === 0) return 0;
    const now = this.clock.now();
    return this.renewSessions.run({
      owners: JSON.stringify(ownerIds),
      lockedUntil: now + extendMs,
      now,
      idleCutoff: now - idleTimeoutMs,
    }).changes;
  }

  /** Deletes expired sessions that have no queued work; returns how many. */
  cleanupOrphaned(): number {
    return this.deleteOrphaned.run({ now: this.clock.now() }).changes;
  }
}
