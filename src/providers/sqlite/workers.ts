/**
 * The worker registry: what each running runtime can run, kept alive by heartbeats
 * (see migration 000004).
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
import type { WorkerRegistration, WorkerRegistrationInput } from '../../core/provider.js';
import { decodeWorkerRow } from '../workers.js';

const UPSERT = `
  INSERT INTO workers (worker_id, orchestrations, activities, registered_at, heartbeat_at, expires_at)
  VALUES (@workerId, @orchestrations, @activities, @now, @now, @expiresAt)
  ON CONFLICT (worker_id) DO UPDATE SET
    orchestrations = excluded.orchestrations, activities = excluded.activities,
    heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`;

// Rows of crashed processes would pile up otherwise; a registration sweeps them.
const SWEEP = 'DELETE FROM workers WHERE expires_at <= ?';

const DELETE = 'DELETE FROM workers WHERE worker_id = ?';

const SELECT_LIVE = `
  SELECT worker_id, orchestrations, activities, registered_at, heartbeat_at, expires_at
  FROM workers WHERE expires_at > ? ORDER BY worker_id`;

interface WorkerRow {
  worker_id: string;
  orchestrations: string;
  activities: string;
  registered_at: number;
  heartbeat_at: number;
  expires_at: number;
}

/** Statements of the worker registry on one connection. */
export class WorkerTable {
  private readonly upsert;
  private readonly sweep;
  private readonly remove;
  private readonly selectLive;
  private readonly registerTx;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.upsert = db.prepare<{
      workerId: string;
      orchestrations: string;
      activities: string;
      now: number;
      expiresAt: number;
    }>(UPSERT);
    this.sweep = db.prepare<[number]>(SWEEP);
    this.remove = db.prepare<[string]>(DELETE);
    this.selectLive = db.prepare<[number], WorkerRow>(SELECT_LIVE);
    this.registerTx = db.transaction((registration: WorkerRegistrationInput, ttlMs: number) => {
      const now = this.clock.now();
      this.sweep.run(now);
      this.upsert.run({
        workerId: registration.workerId,
        orchestrations: JSON.stringify(registration.orchestrations),
        activities: JSON.stringify(registration.activities),
        now,
        expiresAt: now + ttlMs,
      });
    });
  }

  register(registration: WorkerRegistrationInput, ttlMs: number): void {
    this.registerTx.immediate(registration, ttlMs);
  }

  unregister(workerId: string): void {
    this.remove.run(workerId);
  }

  listLive(): WorkerRegistration[] {
    return this.selectLive.all(this.clock.now()).map(decodeWorkerRow);
  }
}
