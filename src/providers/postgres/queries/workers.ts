/**
 * The worker registry (000004): what each running runtime can run, kept alive by heartbeats.
 */
import type { WorkerRegistration, WorkerRegistrationInput } from '../../../core/provider.js';
import { decodeWorkerRow } from '../../workers.js';
import { run, statement, type Db, type QueryContext } from './context.js';

// Sweeps registrations of processes that stopped heart-beating, then upserts this one.
const REGISTER_SQL = (schema: string): string => `
  WITH swept AS (DELETE FROM ${schema}.workers WHERE expires_at <= $4::bigint AND worker_id <> $1::text)
  INSERT INTO ${schema}.workers AS w
    (worker_id, orchestrations, activities, registered_at, heartbeat_at, expires_at)
  VALUES ($1::text, $2::jsonb, $3::jsonb, $4::bigint, $4::bigint, $4::bigint + $5::bigint)
  ON CONFLICT (worker_id) DO UPDATE SET
    orchestrations = excluded.orchestrations, activities = excluded.activities,
    heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`;

const UNREGISTER_SQL = (schema: string): string => `DELETE FROM ${schema}.workers WHERE worker_id = $1::text`;

const LIST_SQL = (schema: string): string => `
  SELECT worker_id, orchestrations, activities, registered_at, heartbeat_at, expires_at
  FROM ${schema}.workers WHERE expires_at > $1::bigint ORDER BY worker_id`;

interface WorkerRow {
  worker_id: string;
  orchestrations: Record<string, string[]>;
  activities: string[];
  registered_at: string | number;
  heartbeat_at: string | number;
  expires_at: string | number;
}

export async function registerWorker(
  ctx: QueryContext,
  db: Db,
  input: { registration: WorkerRegistrationInput; ttlMs: number; nowMs: number },
): Promise<void> {
  const { registration } = input;
  await run(db, statement(ctx, 'register_worker', REGISTER_SQL), [
    registration.workerId,
    JSON.stringify(registration.orchestrations),
    JSON.stringify(registration.activities),
    input.nowMs,
    Math.ceil(input.ttlMs),
  ]);
}

export async function unregisterWorker(
  ctx: QueryContext,
  db: Db,
  input: { workerId: string },
): Promise<void> {
  await run(db, statement(ctx, 'unregister_worker', UNREGISTER_SQL), [input.workerId]);
}

export async function listWorkers(
  ctx: QueryContext,
  db: Db,
  input: { nowMs: number },
): Promise<WorkerRegistration[]> {
  const result = await run<WorkerRow>(db, statement(ctx, 'list_workers', LIST_SQL), [input.nowMs]);
  return result.rows.map(decodeWorkerRow);
}
