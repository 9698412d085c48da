/**
 * The toygres control plane as a library: what `durox instance …` does, callable with a Client
 * and a metadata store. It validates input, keeps the password in the secret table, starts the
 * orchestrations (a worker runs them) and reads the metadata.
 *
 * ```ts
 * const metadata = await openMetadataStore('sqlite:./durox.db');
 * const cp = { client: new Client(provider), metadata };
 * const created = await createInstance(cp, { name: 'demo' });
 * await waitForCreate(cp, created, { timeoutMs: 120_000 });
 * console.log((await connectionInfo(cp, 'demo', { showPassword: true })).connectionString);
 * ```
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { firstZodIssue } from '../index.js';
import type { Client, OrchestrationStatus } from '../index.js';
import { DEFAULTS, READINESS } from './config.js';
import { ToygresError } from './errors.js';
import { ACTIVE_STATES, INSTANCE_STATES } from './metadata/store.js';
import type {
  ConnectionInfo,
  HealthCheckRecord,
  InstanceEvent,
  InstanceRecord,
  InstanceState,
  MetadataStore,
  PlatformKind,
} from './metadata/store.js';
import { instanceIds, ORCHESTRATIONS } from './names.js';
import { localPostgresMajor } from './platforms/local/binaries.js';
import { createPlatforms } from './platforms/registry.js';
import { ensureSystemPruner } from './pruner.js';
import type { SystemPrunerOptions } from './pruner.js';
import type { Platforms } from './platforms/registry.js';
import { connectionString, generatePassword } from './secrets.js';
import { createInstanceRequest, instanceName } from './types.js';
import type { CreateInstanceInput, CreateInstanceRequest } from './types.js';

/** What the control plane works with. */
export interface ControlPlane {
  client: Client;
  metadata: MetadataStore;
  /** For `logs` (default: the local platform under DUROX_HOME, Kubernetes loaded on demand). */
  platforms?: Platforms;
  /**
   * The settings of the system pruner's schedule, which `createInstance` creates when it does not
   * exist (default settings; an existing schedule is left as it is), or false for none.
   */
  pruner?: SystemPrunerOptions | false;
  /** Readiness polling of creates per platform (default: local 60 × 1 s, kubernetes 120 × 5 s). */
  readiness?: Partial<Record<PlatformKind, { attempts: number; intervalMs: number }>>;
}

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<S>;
  const issue = firstZodIssue(parsed.error);
  const path = issue.path === '' ? '' : `${issue.path}: `;
  throw new ToygresError('INVALID_INPUT', `${what}: ${path}${issue.message}`);
}

function checkName(name: unknown): string {
  return parse(instanceName, name, 'instance name');
}

const LIVE: readonly InstanceState[] = ['creating', 'running', 'deleting'];

/** Removes a finished orchestration instance so that its id can be started again. */
async function clearFinished(client: Client, id: string): Promise<'clear' | 'running'> {
  const status = await client.getStatus(id);
  if (status.status === 'NotFound') return 'clear';
  if (status.status === 'Running' || status.status === 'Pending') return 'running';
  await client.deleteInstance(id, true);
  return 'clear';
}

export interface CreatedInstance {
  name: string;
  recordId: string;
  orchestrationId: string;
  platform: PlatformKind;
  postgresVersion: string;
  /** True when no password was given and one was generated (see `connectionInfo`). */
  passwordGenerated: boolean;
}

/**
 * Starts `toygres::create-instance` for `request.name` (instance id `create-<name>`). Refused
 * (CONFLICT) while the name is taken by a creating, running or deleting instance; a failed
 * instance of the name is replaced.
 */
export async function createInstance(
  cp: ControlPlane,
  request: CreateInstanceRequest,
): Promise<CreatedInstance> {
  const req = parse(createInstanceRequest, request, 'create');
  const platform: PlatformKind = req.platform ?? 'local';
  let postgresVersion: string;
  if (platform === 'local') {
    const major = localPostgresMajor();
    if (req.postgresVersion !== undefined && req.postgresVersion !== major) {
      throw new ToygresError(
        'INVALID_INPUT',
        `the local platform provides PostgreSQL ${major} only (asked for ${req.postgresVersion})`,
      );
    }
    postgresVersion = major;
  } else {
    postgresVersion = req.postgresVersion ?? DEFAULTS.kubernetesPostgresVersion;
  }

  const existing = await cp.metadata.findByName(req.name);
  if (existing && LIVE.includes(existing.state)) {
    throw new ToygresError('CONFLICT', `instance '${req.name}' already exists (${existing.state})`, {
      hint: `delete it first (durox instance delete ${req.name}) or choose another name`,
    });
  }
  // Orchestration ids are per name: clear those of an earlier instance of this name.
  const createId = instanceIds.create(req.name);
  if ((await clearFinished(cp.client, createId)) === 'running') {
    throw new ToygresError('CONFLICT', `a create of '${req.name}' is already in progress (${createId})`);
  }
  if ((await clearFinished(cp.client, instanceIds.delete(req.name))) === 'running') {
    throw new ToygresError('CONFLICT', `a delete of '${req.name}' is still in progress`);
  }
  await retireActor(cp.client, instanceIds.actor(req.name));

  const recordId = randomUUID();
  const password = req.password ?? generatePassword();
  await cp.metadata.putSecret(recordId, password);
  const readiness = cp.readiness?.[platform] ?? READINESS[platform];
  const input: CreateInstanceInput = {
    recordId,
    platform,
    spec: {
      name: req.name,
      namespace: req.namespace ?? DEFAULTS.namespace,
      postgresVersion,
      storageGb: req.storageGb ?? DEFAULTS.storageGb,
      loadBalancer: req.loadBalancer ?? platform === 'kubernetes',
      ...(req.dnsLabel === undefined ? {} : { dnsLabel: req.dnsLabel }),
    },
    readiness: { attempts: readiness.attempts, intervalMs: readiness.intervalMs },
    actorIntervalMs: req.healthIntervalMs ?? DEFAULTS.actorIntervalMs,
  };
  await cp.client.startOrchestration(createId, ORCHESTRATIONS.createInstance, input);
  if (cp.pruner !== false) await ensureSystemPruner(cp.client, cp.pruner ?? {});
  return {
    name: req.name,
    recordId,
    orchestrationId: createId,
    platform,
    postgresVersion,
    passwordGenerated: req.password === undefined,
  };
}

/** The actor of an earlier instance of the name: cancelled if it still runs, then removed. */
async function retireActor(client: Client, actorId: string): Promise<void> {
  const status = await client.getStatus(actorId);
  if (status.status === 'NotFound') return;
  if (status.status === 'Running' || status.status === 'Pending') {
    await client.cancelInstance(actorId, 'the instance was deleted');
    const deadline = Date.now() + 15_000;
    // A Pending actor ends Failed (cancelled) at its first turn.
    while (['Running', 'Pending'].includes((await client.getStatus(actorId)).status)) {
      if (Date.now() > deadline) {
        throw new ToygresError(
          'CONFLICT',
          `the health monitor of an earlier instance (${actorId}) is still stopping`,
          {
            hint: 'make sure a worker runs (durox worker run --toygres) and try again',
          },
        );
      }
      await sleep(200);
    }
  }
  await client.deleteInstance(actorId, true);
}

export interface WaitOptions {
  timeoutMs: number;
  /** Called with the orchestration's custom status whenever it changes. */
  onProgress?: (status: string) => void;
  pollIntervalMs?: number;
}

export interface OperationOutcome {
  name: string;
  orchestrationId: string;
  status: 'Completed' | 'Failed';
  /** The failure reason (Failed). */
  error?: string;
  /** The instance record at the end. */
  instance: InstanceView | null;
  waitedMs: number;
}

async function waitForOrchestration(
  cp: ControlPlane,
  orchestrationId: string,
  options: WaitOptions,
  /** The outcome read from the record, for an orchestration that is gone (pruned) meanwhile. */
  fromRecord: () => Promise<{ status: 'Completed' | 'Failed'; error?: string } | null>,
): Promise<{ status: 'Completed' | 'Failed'; error?: string; waitedMs: number }> {
  const started = Date.now();
  let lastStatus: string | undefined;
  let seen = false;
  for (;;) {
    const status = await cp.client.getStatus(orchestrationId);
    if (status.customStatus !== undefined && status.customStatus !== lastStatus) {
      lastStatus = status.customStatus;
      options.onProgress?.(status.customStatus);
    }
    if (status.status === 'Completed' || status.status === 'Failed') {
      return {
        status: status.status,
        ...(status.error === undefined ? {} : { error: status.error }),
        waitedMs: Date.now() - started,
      };
    }
    if (status.status === 'Running') seen = true;
    else if (seen) {
      const settled = await fromRecord();
      if (settled) return { ...settled, waitedMs: Date.now() - started };
    }
    if (Date.now() - started >= options.timeoutMs) {
      throw new ToygresError(
        'TIMEOUT',
        `${orchestrationId} did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
        {
          hint: 'it goes on in the background: check with `durox instance get <name>`, and make sure a worker runs (`durox worker run --toygres`)',
        },
      );
    }
    await sleep(options.pollIntervalMs ?? 250);
  }
}

/** Waits for the create to end (TIMEOUT error when it takes longer). */
export async function waitForCreate(
  cp: ControlPlane,
  created: Pick<CreatedInstance, 'name' | 'orchestrationId' | 'recordId'>,
  options: WaitOptions,
): Promise<OperationOutcome> {
  const end = await waitForOrchestration(cp, created.orchestrationId, options, async () => {
    const record = await cp.metadata.get(created.recordId);
    if (!record || record.state === 'creating') return null;
    if (record.state === 'failed') return { status: 'Failed', error: record.stateMessage ?? 'create failed' };
    return { status: 'Completed' };
  });
  return {
    name: created.name,
    orchestrationId: created.orchestrationId,
    ...end,
    instance: await findInstance(cp, created.name),
  };
}

export interface DeletionStarted {
  name: string;
  recordId: string;
  orchestrationId: string;
  /** True when a delete was already running (nothing new was started). */
  alreadyInProgress: boolean;
}

/** Starts `toygres::delete-instance` (`delete-<name>`). NOT_FOUND for unknown or deleted names. */
export async function deleteInstance(cp: ControlPlane, name: string): Promise<DeletionStarted> {
  const checked = checkName(name);
  const record = await cp.metadata.findByName(checked);
  if (!record || record.state === 'deleted') {
    throw new ToygresError('NOT_FOUND', `instance '${checked}' not found (or already deleted)`, {
      hint: 'list instances with `durox instance list`',
    });
  }
  if (record.state === 'creating') {
    const create = await cp.client.getStatus(record.createOrchestrationId);
    if (create.status === 'Running' || create.status === 'Pending' || create.status === 'NotFound') {
      throw new ToygresError('CONFLICT', `instance '${checked}' is still being created`, {
        hint: `wait for the create to end (durox instance get ${checked}), then delete it`,
      });
    }
    // The create ended without finishing (e.g. it was cancelled): the record would stay
    // `creating` for ever, so it is marked failed and deleted like any failed instance.
    await cp.metadata.transition(record.id, 'failed', {
      message: `the create ended without finishing (${create.status}${create.error ? `: ${create.error}` : ''})`,
    });
  }
  const deleteId = instanceIds.delete(checked);
  const state = await clearFinished(cp.client, deleteId);
  if (state === 'running') {
    return { name: checked, recordId: record.id, orchestrationId: deleteId, alreadyInProgress: true };
  }
  await cp.client.startOrchestration(deleteId, ORCHESTRATIONS.deleteInstance, { name: checked });
  return { name: checked, recordId: record.id, orchestrationId: deleteId, alreadyInProgress: false };
}

/** Waits for the delete to end. */
export async function waitForDelete(
  cp: ControlPlane,
  started: Pick<DeletionStarted, 'name' | 'orchestrationId' | 'recordId'>,
  options: WaitOptions,
): Promise<OperationOutcome> {
  const end = await waitForOrchestration(cp, started.orchestrationId, options, async () => {
    const record = await cp.metadata.get(started.recordId);
    return record?.state === 'deleted' ? { status: 'Completed' } : null;
  });
  return {
    name: started.name,
    orchestrationId: started.orchestrationId,
    ...end,
    instance: await findInstance(cp, started.name),
  };
}

/** An orchestration of an instance, as `get` shows it. */
export interface OrchestrationRef {
  instanceId: string;
  status: OrchestrationStatus['status'];
  customStatus?: string;
  error?: string;
}

/** An instance as `get` and `list` show it (no password anywhere). */
export interface InstanceView {
  name: string;
  recordId: string;
  state: InstanceState;
  stateMessage: string | null;
  health: InstanceRecord['health'];
  latencyMs: number | null;
  lastHealthCheckAt: number | null;
  serverVersion: string | null;
  platform: PlatformKind;
  namespace: string;
  postgresVersion: string;
  storageGb: number;
  loadBalancer: boolean;
  dnsLabel: string | null;
  connection: ConnectionInfo | null;
  /** With the password masked. */
  connectionString: string | null;
  orchestrations: { create: string; delete: string | null; actor: string | null };
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export function toView(record: InstanceRecord): InstanceView {
  return {
    name: record.name,
    recordId: record.id,
    state: record.state,
    stateMessage: record.stateMessage,
    health: record.health,
    latencyMs: record.latencyMs,
    lastHealthCheckAt: record.lastHealthCheckAt,
    serverVersion: record.serverVersion,
    platform: record.platform,
    namespace: record.namespace,
    postgresVersion: record.postgresVersion,
    storageGb: record.storageGb,
    loadBalancer: record.loadBalancer,
    dnsLabel: record.dnsLabel,
    connection: record.connection,
    connectionString: record.connection ? connectionString(record.connection, null) : null,
    orchestrations: {
      create: record.createOrchestrationId,
      delete: record.deleteOrchestrationId,
      actor: record.actorOrchestrationId,
    },
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    deletedAt: record.deletedAt,
  };
}

async function findInstance(cp: ControlPlane, name: string): Promise<InstanceView | null> {
  const record = await cp.metadata.findByName(name);
  return record ? toView(record) : null;
}

async function requireRecord(cp: ControlPlane, name: string): Promise<InstanceRecord> {
  const checked = checkName(name);
  const record = await cp.metadata.findByName(checked);
  if (!record) {
    throw new ToygresError('NOT_FOUND', `instance '${checked}' not found`, {
      hint: 'list instances with `durox instance list`',
    });
  }
  return record;
}

export const instanceStates = z.enum(INSTANCE_STATES as [InstanceState, ...InstanceState[]]);

/** Instances, newest first: every state but `deleted` unless `states` says otherwise. */
export async function listInstances(
  cp: ControlPlane,
  options: { states?: readonly InstanceState[]; limit?: number } = {},
): Promise<InstanceView[]> {
  const states =
    options.states === undefined ? undefined : parse(z.array(instanceStates), options.states, 'state');
  const records = await cp.metadata.list({
    ...(states === undefined ? {} : { states }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  return records.map(toView);
}

async function orchestrationRef(client: Client, instanceId: string | null): Promise<OrchestrationRef | null> {
  if (instanceId === null) return null;
  const status = await client.getStatus(instanceId);
  return {
    instanceId,
    status: status.status,
    ...(status.customStatus === undefined ? {} : { customStatus: status.customStatus }),
    ...(status.error === undefined ? {} : { error: status.error }),
  };
}

export interface InstanceDetails extends InstanceView {
  /** State changes and notes, oldest first. */
  events: InstanceEvent[];
  /** The orchestrations' current status (null when never started or already pruned). */
  status: {
    create: OrchestrationRef | null;
    actor: OrchestrationRef | null;
    delete: OrchestrationRef | null;
  };
}

/** One instance with its events and orchestration statuses. NOT_FOUND when unknown. */
export async function getInstance(cp: ControlPlane, name: string): Promise<InstanceDetails> {
  const record = await requireRecord(cp, name);
  const view = toView(record);
  const ref = async (id: string | null): Promise<OrchestrationRef | null> => {
    const r = await orchestrationRef(cp.client, id);
    return r && r.status !== 'NotFound' ? r : null;
  };
  return {
    ...view,
    events: await cp.metadata.events(record.id, 100),
    status: {
      create: await ref(record.createOrchestrationId),
      actor: await ref(record.actorOrchestrationId),
      delete: await ref(record.deleteOrchestrationId),
    },
  };
}

export interface HealthReport {
  name: string;
  state: InstanceState;
  health: InstanceRecord['health'];
  latencyMs: number | null;
  lastHealthCheckAt: number | null;
  /** The actor's custom status, parsed (null when it does not run). */
  actor: OrchestrationRef | null;
  /** Newest first. */
  checks: HealthCheckRecord[];
}

/** The latest health and the history of checks (newest first, at most `limit`). */
export async function instanceHealth(
  cp: ControlPlane,
  name: string,
  options: { limit?: number } = {},
): Promise<HealthReport> {
  const record = await requireRecord(cp, name);
  return {
    name: record.name,
    state: record.state,
    health: record.health,
    latencyMs: record.latencyMs,
    lastHealthCheckAt: record.lastHealthCheckAt,
    actor: await orchestrationRef(cp.client, record.actorOrchestrationId),
    checks: await cp.metadata.healthChecks(record.id, options.limit ?? 20),
  };
}

export interface ConnectionDetails {
  name: string;
  state: InstanceState;
  connection: ConnectionInfo;
  /** Password masked unless `showPassword`. */
  connectionString: string;
  passwordShown: boolean;
  /** Only with `showPassword`. */
  password?: string;
}

/** How to connect. FAILED when the instance has no endpoint (not running yet, or gone). */
export async function connectionInfo(
  cp: ControlPlane,
  name: string,
  options: { showPassword?: boolean } = {},
): Promise<ConnectionDetails> {
  const record = await requireRecord(cp, name);
  if (!record.connection || !ACTIVE_STATES.includes(record.state) || record.state === 'failed') {
    throw new ToygresError('FAILED', `instance '${record.name}' has no connection (${record.state})`);
  }
  let password: string | null = null;
  if (options.showPassword) {
    password = await cp.metadata.getSecret(record.id);
    if (password === null)
      throw new ToygresError('FAILED', `the password of '${record.name}' is not stored any more`);
  }
  return {
    name: record.name,
    state: record.state,
    connection: record.connection,
    connectionString: connectionString(record.connection, password),
    passwordShown: password !== null,
    ...(password === null ? {} : { password }),
  };
}

/** The last `tail` lines of the server log (from the platform). */
export async function instanceLogs(
  cp: ControlPlane,
  name: string,
  options: { tail?: number } = {},
): Promise<{ name: string; platform: PlatformKind; lines: string[] }> {
  const record = await requireRecord(cp, name);
  const platforms = cp.platforms ?? createPlatforms();
  const platform = await platforms.get(record.platform);
  const lines = await platform.logs(
    {
      name: record.name,
      namespace: record.namespace,
      postgresVersion: record.postgresVersion,
      storageGb: record.storageGb,
      loadBalancer: record.loadBalancer,
      ...(record.dnsLabel === null ? {} : { dnsLabel: record.dnsLabel }),
    },
    options.tail ?? 100,
  );
  return { name: record.name, platform: record.platform, lines };
}
