/**
 * The toygres metadata store: instance records with validated state transitions, bounded
 * health-check history, state-change events and instance passwords. It lives in the same store
 * as the engine (the same SQLite file, or the same PostgreSQL schema) in tables prefixed
 * `toygres_`, with its own migrations. Two implementations: `SqliteMetadataStore` and
 * `PostgresMetadataStore` (see `open.ts`).
 */

export type InstanceState = 'creating' | 'running' | 'failed' | 'deleting' | 'deleted';
export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';
export type PlatformKind = 'local' | 'kubernetes';

export const INSTANCE_STATES: readonly InstanceState[] = [
  'creating',
  'running',
  'failed',
  'deleting',
  'deleted',
];

/**
 * Allowed transitions: creating → running | failed, running → deleting, failed → deleting,
 * deleting → deleted. A transition to the current state is a no-op (replays and retries).
 */
export const TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  creating: ['running', 'failed'],
  running: ['deleting'],
  failed: ['deleting'],
  deleting: ['deleted'],
  deleted: [],
};

/** States whose record still holds the name (at most one record per name is in one of them). */
export const ACTIVE_STATES: readonly InstanceState[] = ['creating', 'running', 'failed', 'deleting'];

/** Thrown for a transition `TRANSITIONS` does not allow. */
export class IllegalTransitionError extends Error {
  readonly from: InstanceState;
  readonly to: InstanceState;

  constructor(name: string, from: InstanceState, to: InstanceState) {
    super(`instance '${name}' cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** Throws unless `from → to` is allowed (or `from === to`). */
export function checkTransition(name: string, from: InstanceState, to: InstanceState): void {
  if (from === to) return;
  if (!TRANSITIONS[from].includes(to)) throw new IllegalTransitionError(name, from, to);
}

/** How to reach the server. No password: that is in the secret table only. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  database: string;
  externalIp: string | null;
  dnsName: string | null;
}

export interface InstanceRecord {
  /** Record id (a UUID chosen by the control plane; also the key of the password). */
  id: string;
  name: string;
  platform: PlatformKind;
  namespace: string;
  postgresVersion: string;
  storageGb: number;
  loadBalancer: boolean;
  dnsLabel: string | null;
  state: InstanceState;
  /** Why it failed, or the latest state-change note. */
  stateMessage: string | null;
  health: HealthStatus;
  /** Latency of the latest health check (connect + `SELECT version()`), ms. */
  latencyMs: number | null;
  lastHealthCheckAt: number | null;
  /** `SELECT version()` of the server. */
  serverVersion: string | null;
  connection: ConnectionInfo | null;
  createOrchestrationId: string;
  deleteOrchestrationId: string | null;
  actorOrchestrationId: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

/** What `reserve` inserts. */
export interface NewInstance {
  id: string;
  name: string;
  platform: PlatformKind;
  namespace: string;
  postgresVersion: string;
  storageGb: number;
  loadBalancer: boolean;
  dnsLabel: string | null;
  createOrchestrationId: string;
}

export type ReserveResult =
  { reserved: true; record: InstanceRecord } | { reserved: false; reason: string; existing: InstanceRecord };

export interface TransitionPatch {
  message?: string | null;
  connection?: ConnectionInfo;
  serverVersion?: string;
  deleteOrchestrationId?: string;
  actorOrchestrationId?: string;
}

export interface TransitionResult {
  /** False when the record already was in the target state. */
  changed: boolean;
  from: InstanceState;
  record: InstanceRecord;
}

export interface HealthCheckInput {
  status: 'healthy' | 'unhealthy';
  latencyMs: number | null;
  serverVersion: string | null;
  error: string | null;
  checkedAt: number;
}

export interface HealthCheckRecord extends HealthCheckInput {
  id: number;
  instanceId: string;
}

export interface InstanceEvent {
  id: number;
  instanceId: string;
  kind: 'state_change' | 'note';
  oldState: InstanceState | null;
  newState: InstanceState | null;
  message: string | null;
  at: number;
}

export interface ListFilter {
  /** Only these states (default: every state but `deleted`). */
  states?: readonly InstanceState[];
  limit?: number;
}

/** Health checks kept per instance by default. */
export const DEFAULT_HEALTH_HISTORY = 100;

export interface MetadataStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Inserts a `creating` record unless one with `id` exists (then returns it: replays and retries
   * are safe). Refused when another record holds the name in `creating`, `running` or `deleting`;
   * a `failed` record of the name is superseded (moved to `deleted`).
   */
  reserve(instance: NewInstance): Promise<ReserveResult>;
  get(id: string): Promise<InstanceRecord | null>;
  /** The record holding `name` (not deleted), else the newest deleted one, else null. */
  findByName(name: string): Promise<InstanceRecord | null>;
  /** Newest first. */
  list(filter?: ListFilter): Promise<InstanceRecord[]>;
  /** Validated state change (see `TRANSITIONS`); records a `state_change` event when it changes. */
  transition(id: string, to: InstanceState, patch?: TransitionPatch): Promise<TransitionResult>;
  /**
   * Appends a health check (keeping the newest `keep`) and, while the instance is `running`,
   * sets its health, latency and server version. False when the record is missing.
   */
  recordHealthCheck(id: string, check: HealthCheckInput, keep?: number): Promise<boolean>;
  /** Newest first. */
  healthChecks(id: string, limit?: number): Promise<HealthCheckRecord[]>;
  addEvent(id: string, message: string): Promise<void>;
  /** Oldest first. */
  events(id: string, limit?: number): Promise<InstanceEvent[]>;
  /** Stores (or replaces) the password of record `id`. */
  putSecret(id: string, secret: string): Promise<void>;
  getSecret(id: string): Promise<string | null>;
  deleteSecret(id: string): Promise<boolean>;
  /**
   * Housekeeping: deletes passwords without a live record (creates that never started, or
   * records already deleted or failed) stored before `before`, and the health history of records
   * deleted before `before`. Returns what it removed.
   */
  prune(before: number): Promise<{ secrets: number; healthChecks: number }>;
  close(): Promise<void>;
}

/** A database row of `toygres_instances` (column names as in the migrations). */
export interface InstanceRow {
  id: string;
  name: string;
  platform: string;
  namespace: string;
  postgres_version: string;
  storage_gb: number | string;
  load_balancer: number | boolean;
  dns_label: string | null;
  state: string;
  state_message: string | null;
  health: string;
  latency_ms: number | string | null;
  last_health_check_at: number | string | null;
  server_version: string | null;
  host: string | null;
  port: number | string | null;
  db_user: string | null;
  db_name: string | null;
  external_ip: string | null;
  dns_name: string | null;
  create_orchestration_id: string;
  delete_orchestration_id: string | null;
  actor_orchestration_id: string | null;
  created_at: number | string;
  updated_at: number | string;
  deleted_at: number | string | null;
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

export function rowToRecord(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    name: row.name,
    platform: row.platform as PlatformKind,
    namespace: row.namespace,
    postgresVersion: row.postgres_version,
    storageGb: num(row.storage_gb),
    loadBalancer: row.load_balancer === true || row.load_balancer === 1,
    dnsLabel: row.dns_label,
    state: row.state as InstanceState,
    stateMessage: row.state_message,
    health: row.health as HealthStatus,
    latencyMs: numOrNull(row.latency_ms),
    lastHealthCheckAt: numOrNull(row.last_health_check_at),
    serverVersion: row.server_version,
    connection:
      row.host === null || row.port === null
        ? null
        : {
            host: row.host,
            port: num(row.port),
            user: row.db_user ?? 'postgres',
            database: row.db_name ?? 'postgres',
            externalIp: row.external_ip,
            dnsName: row.dns_name,
          },
    createOrchestrationId: row.create_orchestration_id,
    deleteOrchestrationId: row.delete_orchestration_id,
    actorOrchestrationId: row.actor_orchestration_id,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    deletedAt: numOrNull(row.deleted_at),
  };
}

export interface HealthRow {
  id: number | string;
  instance_id: string;
  status: string;
  latency_ms: number | string | null;
  server_version: string | null;
  error: string | null;
  checked_at: number | string;
}

export function rowToHealthCheck(row: HealthRow): HealthCheckRecord {
  return {
    id: num(row.id),
    instanceId: row.instance_id,
    status: row.status as 'healthy' | 'unhealthy',
    latencyMs: numOrNull(row.latency_ms),
    serverVersion: row.server_version,
    error: row.error,
    checkedAt: num(row.checked_at),
  };
}

export interface EventRow {
  id: number | string;
  instance_id: string;
  kind: string;
  old_state: string | null;
  new_state: string | null;
  message: string | null;
  at: number | string;
}

export function rowToEvent(row: EventRow): InstanceEvent {
  return {
    id: num(row.id),
    instanceId: row.instance_id,
    kind: row.kind as 'state_change' | 'note',
    oldState: row.old_state as InstanceState | null,
    newState: row.new_state as InstanceState | null,
    message: row.message,
    at: num(row.at),
  };
}

/** The message a refused reservation carries. */
export function nameTakenReason(existing: InstanceRecord): string {
  return `instance '${existing.name}' already exists (state ${existing.state})`;
}
