/**
 * Shared by the providers' worker registries (see `Provider.registerWorker`).
 */
import type { WorkerRegistration } from '../core/provider.js';

/** A stored row as a registration; a corrupt JSON column reads as "runs nothing". */
export function decodeWorkerRow(row: {
  worker_id: string;
  orchestrations: string | Record<string, string[]>;
  activities: string | string[];
  registered_at: number | string;
  heartbeat_at: number | string;
  expires_at: number | string;
}): WorkerRegistration {
  return {
    workerId: row.worker_id,
    orchestrations: parseOr(row.orchestrations, {}),
    activities: parseOr(row.activities, []),
    registeredAt: Number(row.registered_at),
    heartbeatAt: Number(row.heartbeat_at),
    expiresAt: Number(row.expires_at),
  };
}

function parseOr<T>(value: string | T, fallback: T): T {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}
