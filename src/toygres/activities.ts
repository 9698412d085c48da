/**
 * The toygres activities. They do all I/O (metadata store, platforms, PostgreSQL connections)
 * and are idempotent, because an activity may run more than once. Passwords are read here, from
 * the secret table, and never returned.
 */
import pg from 'pg';
import type { ActivityContext, Client, Runtime } from '../index.js';
import { DEFAULTS } from './config.js';
import { IllegalTransitionError } from './metadata/store.js';
import type { MetadataStore } from './metadata/store.js';
import {
  ACTIVITIES,
  INSTANCE_DELETED_EVENT,
  instanceIds,
  ORCHESTRATIONS,
  SYSTEM_PRUNER_ID,
  SYSTEM_PRUNER_SCHEDULE_INSTANCE,
} from './names.js';
import type { Platforms } from './platforms/registry.js';
import { ensurePrunerSchedule } from './pruner.js';
import type { SystemPrunerOptions } from './pruner.js';
import { redact } from './secrets.js';
import type {
  BeginDeleteOutput,
  HealthCheckOutput,
  InstanceActorInput,
  MarkRunningInput,
  PlatformTarget,
  PrunerMigrationOutput,
  RecordTarget,
  ReserveOutput,
  SystemPruneInput,
  SystemPruneOutput,
  TestConnectionInput,
  TestConnectionOutput,
} from './types.js';

/** What the activities work with. */
export interface ToygresEnvironment {
  /** The metadata store (opened on first use). */
  metadata(): Promise<MetadataStore>;
  platforms: Platforms;
  /** Health checks kept per instance. */
  healthHistory: number;
  /** Connects and runs `SELECT version()` (default `queryVersion`; tests replace it). */
  queryServer: (host: string, port: number, password: string) => Promise<TestConnectionOutput>;
}

/** Env var that makes `test-connection` fail (to exercise a failed create). */
export const INJECT_FAILURE_ENV = 'DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE';

function injectFailure(): boolean {
  const value = process.env[INJECT_FAILURE_ENV] ?? process.env.TOYGRES_INJECT_TEST_CONNECTION_FAILURE;
  return value !== undefined && value !== '' && value !== '0';
}

/** Connects, runs `SELECT version()` and measures both (ms). Never logs the password. */
export async function queryVersion(
  host: string,
  port: number,
  password: string,
  timeoutMs = 5000,
): Promise<{ serverVersion: string; latencyMs: number }> {
  const started = performance.now();
  const client = new pg.Client({
    host,
    port,
    user: 'postgres',
    database: 'postgres',
    password,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'durox-toygres',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ version: string }>('SELECT version() AS version');
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { serverVersion: result.rows[0]!.version, latencyMs };
  } catch (err) {
    throw new Error(redact(`cannot query ${host}:${port}: ${(err as Error).message}`, password));
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function secretOf(store: MetadataStore, recordId: string): Promise<string> {
  const secret = await store.getSecret(recordId);
  if (secret === null)
    throw new Error(`the password of instance record ${recordId} is missing from the secret table`);
  return secret;
}

/** Registers every toygres activity on `runtime`. */
export function registerActivities(runtime: Runtime, env: ToygresEnvironment): void {
  const platformOf = (target: PlatformTarget) => env.platforms.get(target.platform);

  runtime.registerActivity(
    ACTIVITIES.reserveInstance,
    async (ctx: ActivityContext, input: RecordTarget): Promise<ReserveOutput> => {
      const store = await env.metadata();
      if ((await store.getSecret(input.recordId)) === null && (await store.get(input.recordId)) === null) {
        return {
          reserved: false,
          reason: 'the password of this create is missing (it was never stored, or pruned)',
        };
      }
      const result = await store.reserve({
        id: input.recordId,
        name: input.spec.name,
        platform: input.platform,
        namespace: input.spec.namespace,
        postgresVersion: input.spec.postgresVersion,
        storageGb: input.spec.storageGb,
        loadBalancer: input.spec.loadBalancer,
        dnsLabel: input.spec.dnsLabel ?? null,
        createOrchestrationId: ctx.instanceId,
      });
      return result.reserved ? { reserved: true } : { reserved: false, reason: result.reason };
    },
  );

  runtime.registerActivity(ACTIVITIES.deploy, async (ctx: ActivityContext, input: RecordTarget) => {
    const store = await env.metadata();
    const password = await secretOf(store, input.recordId);
    const platform = await platformOf(input);
    let result: Awaited<ReturnType<typeof platform.deploy>>;
    try {
      result = await platform.deploy(input.spec, password);
    } catch (err) {
      // Whatever a platform says, the password does not go into history.
      throw new Error(redact((err as Error).message, password));
    }
    if (result.created) {
      await store.addEvent(input.recordId, `deployed on ${input.platform}: ${result.resources.join(', ')}`);
    }
    ctx.traceInfo(`deployed ${input.spec.name}: ${result.resources.join(', ') || 'already there'}`);
    return result;
  });

  runtime.registerActivity(
    ACTIVITIES.checkReadiness,
    async (_ctx: ActivityContext, input: PlatformTarget) => {
      return (await platformOf(input)).readiness(input.spec);
    },
  );

  runtime.registerActivity(ACTIVITIES.getEndpoint, async (_ctx: ActivityContext, input: PlatformTarget) => {
    const endpoint = await (await platformOf(input)).endpoint(input.spec);
    if (endpoint === null) throw new Error(`the endpoint of ${input.spec.name} is not known yet`);
    return endpoint;
  });

  runtime.registerActivity(
    ACTIVITIES.testConnection,
    async (_ctx: ActivityContext, input: TestConnectionInput): Promise<TestConnectionOutput> => {
      if (injectFailure()) throw new Error(`INJECTED FAILURE: ${INJECT_FAILURE_ENV} is set`);
      const store = await env.metadata();
      return env.queryServer(input.host, input.port, await secretOf(store, input.recordId));
    },
  );

  runtime.registerActivity(ACTIVITIES.markRunning, async (_ctx: ActivityContext, input: MarkRunningInput) => {
    const store = await env.metadata();
    const record = await store.get(input.recordId);
    if (!record) throw new Error(`no toygres instance record ${input.recordId}`);
    const readyInSeconds =
      record.state === 'creating' ? Math.round((Date.now() - record.createdAt) / 100) / 10 : 0;
    await store.transition(input.recordId, 'running', {
      message: `ready in ${readyInSeconds} s`,
      serverVersion: input.serverVersion,
      actorOrchestrationId: input.actorOrchestrationId,
      connection: {
        host: input.endpoint.host,
        port: input.endpoint.port,
        user: 'postgres',
        database: 'postgres',
        externalIp: input.endpoint.externalIp ?? null,
        dnsName: input.endpoint.dnsName ?? null,
      },
    });
    return { readyInSeconds };
  });

  runtime.registerActivity(
    ACTIVITIES.markFailed,
    async (ctx: ActivityContext, input: { recordId: string; reason: string }) => {
      const store = await env.metadata();
      try {
        const result = await store.transition(input.recordId, 'failed', { message: input.reason });
        return { marked: true, changed: result.changed };
      } catch (err) {
        if (!(err instanceof IllegalTransitionError)) throw err;
        ctx.traceWarn(`not marking ${input.recordId} failed: ${err.message}`);
        return { marked: false, changed: false };
      }
    },
  );

  runtime.registerActivity(ACTIVITIES.destroy, async (ctx: ActivityContext, input: PlatformTarget) => {
    const result = await (await platformOf(input)).destroy(input.spec);
    ctx.traceInfo(`destroyed ${input.spec.name}: ${result.removed.join(', ') || 'nothing left'}`);
    return result;
  });

  runtime.registerActivity(
    ACTIVITIES.finishCleanup,
    async (_ctx: ActivityContext, input: { recordId: string; removed: string[] }) => {
      const store = await env.metadata();
      await store.deleteSecret(input.recordId);
      if ((await store.get(input.recordId)) !== null) {
        await store.addEvent(
          input.recordId,
          `resources of the failed create cleaned up: ${input.removed.join(', ') || 'nothing was left'}`,
        );
      }
      return { cleaned: true };
    },
  );

  runtime.registerActivity(
    ACTIVITIES.beginDelete,
    async (ctx: ActivityContext, input: { name: string }): Promise<BeginDeleteOutput> => {
      const store = await env.metadata();
      const record = await store.findByName(input.name);
      if (!record) return { found: false };
      const base = {
        found: true as const,
        recordId: record.id,
        state: record.state,
        platform: record.platform,
        spec: {
          name: record.name,
          namespace: record.namespace,
          postgresVersion: record.postgresVersion,
          storageGb: record.storageGb,
          loadBalancer: record.loadBalancer,
          ...(record.dnsLabel === null ? {} : { dnsLabel: record.dnsLabel }),
        },
        actorOrchestrationId: record.actorOrchestrationId,
      };
      if (record.state === 'creating')
        return { ...base, refused: `instance '${record.name}' is still being created` };
      if (record.state === 'deleted') return base;
      await store.transition(record.id, 'deleting', {
        message: 'deletion requested',
        deleteOrchestrationId: ctx.instanceId,
      });
      return { ...base, state: 'deleting' };
    },
  );

  runtime.registerActivity(
    ACTIVITIES.signalActor,
    async (ctx: ActivityContext, input: { actorId: string }) => {
      const client = ctx.getClient();
      const status = await client.getStatus(input.actorId);
      if (status.status !== 'Running') return { sent: false, actorStatus: status.status };
      // An event reaches a waiting actor at once; the queue message also reaches one that is busy
      // (between waits), since queues carry over continue-as-new.
      await client.raiseEvent(input.actorId, INSTANCE_DELETED_EVENT, { reason: 'instance deleted' });
      await client.enqueueEvent(input.actorId, INSTANCE_DELETED_EVENT, { reason: 'instance deleted' });
      return { sent: true, actorStatus: status.status };
    },
  );

  runtime.registerActivity(
    ACTIVITIES.finishDelete,
    async (_ctx: ActivityContext, input: { recordId: string; removed: string[] }) => {
      const store = await env.metadata();
      await store.transition(input.recordId, 'deleted', {
        message: `deleted (removed: ${input.removed.join(', ') || 'nothing was left'})`,
      });
      await store.deleteSecret(input.recordId);
      return { deleted: true };
    },
  );

  runtime.registerActivity(
    ACTIVITIES.recordEvent,
    async (_ctx: ActivityContext, input: { recordId: string; message: string }) => {
      const store = await env.metadata();
      if ((await store.get(input.recordId)) !== null) await store.addEvent(input.recordId, input.message);
      return null;
    },
  );

  runtime.registerActivity(
    ACTIVITIES.healthCheck,
    async (_ctx: ActivityContext, input: { recordId: string }): Promise<HealthCheckOutput> => {
      const store = await env.metadata();
      const record = await store.get(input.recordId);
      if (!record) return { action: 'stop', reason: 'the instance record is gone' };
      if (record.state !== 'running') return { action: 'stop', reason: `the instance is ${record.state}` };
      const password = await store.getSecret(record.id);
      const checkedAt = Date.now();
      let result: HealthCheckOutput;
      if (!record.connection || password === null) {
        result = {
          action: 'checked',
          status: 'unhealthy',
          latencyMs: null,
          serverVersion: null,
          error: !record.connection ? 'no connection info' : 'the password is missing',
          checkedAt,
        };
      } else {
        try {
          const { serverVersion, latencyMs } = await env.queryServer(
            record.connection.externalIp ?? record.connection.host,
            record.connection.port,
            password,
          );
          result = { action: 'checked', status: 'healthy', latencyMs, serverVersion, error: null, checkedAt };
        } catch (err) {
          result = {
            action: 'checked',
            status: 'unhealthy',
            latencyMs: null,
            serverVersion: null,
            error: (err as Error).message,
            checkedAt,
          };
        }
      }
      await store.recordHealthCheck(
        record.id,
        {
          status: result.status,
          latencyMs: result.latencyMs,
          serverVersion: result.serverVersion,
          error: result.error,
          checkedAt,
        },
        env.healthHistory,
      );
      return result;
    },
  );

  runtime.registerActivity(
    ACTIVITIES.systemPrune,
    async (ctx: ActivityContext, input: SystemPruneInput): Promise<SystemPruneOutput> => {
      const client = ctx.getClient();
      const store = await env.metadata();
      const actorsRestarted = await restartLostActors(client, store);
      // The run's orchestration time (the store's clock); the eternal pruner 1.0.0 sends none.
      const before = (input.now ?? Date.now()) - input.terminalOlderThanMs;
      // Only toygres's own orchestrations (the pruner's runs among them): the store may hold
      // other applications' instances.
      const finished: string[] = [];
      // The pruner's schedule continues as new at every wake-up (it prunes itself only every 50
      // executions); the eternal pruner of earlier releases, while it still runs.
      const eternal: string[] = [SYSTEM_PRUNER_SCHEDULE_INSTANCE, SYSTEM_PRUNER_ID];
      for (const name of Object.values(ORCHESTRATIONS)) {
        for (const status of ['Completed', 'Failed'] as const) {
          const rows = await client.listInstances({
            orchestrationName: name,
            status,
            rootsOnly: true,
            limit: 1000,
          });
          finished.push(...rows.map((r) => r.instanceId).filter((id) => !actorsRestarted.includes(id)));
        }
        if (name === ORCHESTRATIONS.instanceActor) {
          for (const status of ['Running', 'ContinuedAsNew'] as const) {
            const rows = await client.listInstances({ orchestrationName: name, status, limit: 1000 });
            eternal.push(...rows.map((r) => r.instanceId));
          }
        }
      }
      const deleted =
        finished.length === 0
          ? { instancesDeleted: 0 }
          : await client.deleteInstanceBulk({ instanceIds: finished, completedBefore: before, limit: 1000 });
      const pruned = await client.pruneExecutionsBulk(
        { instanceIds: eternal, limit: 1000 },
        { keepLast: Math.max(1, input.keepExecutions) },
      );
      // Orphan passwords get a day, so that a create waiting for a worker keeps its password.
      const housekeeping = await store.prune(
        Date.now() - Math.max(input.terminalOlderThanMs, DEFAULTS.secretGraceMs),
      );
      return {
        instancesDeleted: deleted.instancesDeleted,
        executionsDeleted: pruned.executionsDeleted,
        secretsDeleted: housekeeping.secrets,
        healthChecksDeleted: housekeeping.healthChecks,
        actorsRestarted: actorsRestarted.length,
      };
    },
  );

  runtime.registerActivity(
    ACTIVITIES.ensurePrunerSchedule,
    async (ctx: ActivityContext, input: SystemPrunerOptions | null): Promise<PrunerMigrationOutput> => ({
      replacedBy: SYSTEM_PRUNER_SCHEDULE_INSTANCE,
      created: await ensurePrunerSchedule(ctx.getClient(), input ?? {}),
    }),
  );
}

/**
 * The reconciler: a running instance whose health monitor is not running (it was cancelled, or
 * failed for a reason it could not survive) gets a new one, with the default interval. A missing
 * actor of a record that changed in the last minute is left alone (its create may be starting it).
 */
async function restartLostActors(client: Client, store: MetadataStore): Promise<string[]> {
  const restarted: string[] = [];
  const settled = Date.now() - 60_000;
  for (const record of await store.list({ states: ['running'] })) {
    const actorId = record.actorOrchestrationId ?? instanceIds.actor(record.name);
    const status = await client.getStatus(actorId);
    if (status.status === 'Running' || status.status === 'Pending') continue;
    if (status.status === 'NotFound' && record.updatedAt > settled) continue;
    if (status.status !== 'NotFound') await client.deleteInstance(actorId, true);
    const input: InstanceActorInput = {
      name: record.name,
      recordId: record.id,
      intervalMs: DEFAULTS.actorIntervalMs,
      cycle: 0,
    };
    await client.startOrchestration(actorId, ORCHESTRATIONS.instanceActor, input);
    await store.addEvent(record.id, `health monitor ${actorId} was ${status.status}: restarted`);
    restarted.push(actorId);
  }
  return restarted;
}
