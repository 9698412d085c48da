/**
 * Inputs of the toygres orchestrations and activities, and the zod schemas of what users give.
 * No input carries a password: activities read it from the secret table by record id.
 */
import { z } from 'zod';
import type { PlatformKind } from './metadata/store.js';
import type { Endpoint, InstanceSpec } from './platforms/platform.js';

/** Instance names: they become directory, Kubernetes resource and DNS names. */
export const instanceName = z
  .string()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .regex(/^[A-Za-z0-9-]+$/, "may contain only letters, digits and '-'")
  .regex(/^[a-z0-9-]+$/, 'must be lowercase (it becomes a resource and DNS name)')
  .regex(/^[a-z]/, 'must start with a letter')
  .regex(/[a-z0-9]$/, "must not end with '-'");

// Control characters would break the initdb password file and connection strings.
export const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

export const platformKind = z.enum(['local', 'kubernetes']);

/** A Kubernetes namespace / DNS label. */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be lowercase letters, digits and '-' (a DNS label)");

export const createInstanceRequest = z
  .object({
    name: instanceName,
    /** Omitted: a random password is generated. */
    password: password.optional(),
    /** Default: the version the platform provides (local) or "18" (Kubernetes). */
    postgresVersion: z
      .string()
      .regex(/^\d{1,2}$/, 'must be a major version such as 17')
      .optional(),
    storageGb: z.number().int().min(1).max(16_384).optional(),
    platform: platformKind.optional(),
    namespace: dnsLabel.optional(),
    loadBalancer: z.boolean().optional(),
    dnsLabel: dnsLabel.optional(),
    /** Time between health checks of the instance actor (ms, default 30 s). */
    healthIntervalMs: z.number().int().min(100).max(86_400_000).optional(),
  })
  .strict();

export type CreateInstanceRequest = z.input<typeof createInstanceRequest>;

/** Input of `toygres::create-instance`. */
export interface CreateInstanceInput {
  /** The metadata record id (also the key of the password in the secret table). */
  recordId: string;
  platform: PlatformKind;
  spec: InstanceSpec;
  readiness: { attempts: number; intervalMs: number };
  actorIntervalMs: number;
}

/** Output of `toygres::create-instance`. */
export interface CreateInstanceOutput {
  name: string;
  recordId: string;
  platform: PlatformKind;
  host: string;
  port: number;
  user: string;
  database: string;
  serverVersion: string;
  readyInSeconds: number;
  actorOrchestrationId: string;
}

/** Input of `toygres::delete-instance`. */
export interface DeleteInstanceInput {
  name: string;
}

export interface DeleteInstanceOutput {
  name: string;
  recordId: string | null;
  deleted: boolean;
  removed: string[];
  actorSignalled: boolean;
}

/** Input of `toygres::cleanup-instance` (a failed create's compensation). */
export interface CleanupInstanceInput {
  recordId: string;
  platform: PlatformKind;
  spec: InstanceSpec;
}

/** Input of `toygres::instance-actor`. */
export interface InstanceActorInput {
  name: string;
  recordId: string;
  intervalMs: number;
  /** Cycles done so far (one per execution). */
  cycle: number;
}

/** The actor's custom status (JSON). */
export interface ActorStatus {
  health: 'healthy' | 'unhealthy' | 'unknown' | 'stopped';
  latencyMs: number | null;
  serverVersion: string | null;
  checkedAt: number | null;
  cycle: number;
  error?: string;
}

/**
 * Input of the eternal `toygres::system-pruner` (1.0.0 loops on it; 2.0.0 reads its settings to
 * create the schedule that replaces it, so any field may be missing there).
 */
export interface SystemPrunerInput {
  intervalMs: number;
  terminalOlderThanMs: number;
  keepExecutions: number;
  iteration: number;
}

/** Input of `toygres::system-prune-run`: one prune, started by the pruner's schedule. */
export interface SystemPruneRunInput {
  /** Finished toygres orchestrations that ended longer ago than this are deleted. */
  terminalOlderThanMs: number;
  /** Executions kept per eternal orchestration (actors, the pruner's schedule). */
  keepExecutions: number;
}

/** Input of the `toygres::system-prune` activity. */
export interface SystemPruneInput extends SystemPruneRunInput {
  /**
   * The time the thresholds count back from (epoch ms): the run's orchestration time, so that
   * they follow the store's clock. The eternal pruner 1.0.0 sends none: the activity's clock.
   */
  now?: number;
}

/** Output of the `toygres::ensure-pruner-schedule` activity (and of `toygres::system-pruner` 2.0.0). */
export interface PrunerMigrationOutput {
  /** The schedule that replaces the eternal pruner. */
  replacedBy: string;
  /** Whether this call created it (false: it existed). */
  created: boolean;
}

/** Activity inputs and results. */
export interface PlatformTarget {
  platform: PlatformKind;
  spec: InstanceSpec;
}

export interface RecordTarget extends PlatformTarget {
  recordId: string;
}

export type ReserveOutput = { reserved: true } | { reserved: false; reason: string };

export interface TestConnectionInput {
  recordId: string;
  host: string;
  port: number;
}

export interface TestConnectionOutput {
  serverVersion: string;
  latencyMs: number;
}

export interface MarkRunningInput {
  recordId: string;
  endpoint: Endpoint;
  serverVersion: string;
  actorOrchestrationId: string;
}

export type BeginDeleteOutput =
  | { found: false }
  | {
      found: true;
      recordId: string;
      state: string;
      platform: PlatformKind;
      spec: InstanceSpec;
      actorOrchestrationId: string | null;
      /** Set when the delete must not go on (e.g. the instance is still being created). */
      refused?: string;
    };

export type HealthCheckOutput =
  | { action: 'stop'; reason: string }
  | {
      action: 'checked';
      status: 'healthy' | 'unhealthy';
      latencyMs: number | null;
      serverVersion: string | null;
      error: string | null;
      checkedAt: number;
    };

export interface SystemPruneOutput {
  instancesDeleted: number;
  executionsDeleted: number;
  secretsDeleted: number;
  healthChecksDeleted: number;
  /** Health monitors of running instances that were not running and were started again. */
  actorsRestarted: number;
}
