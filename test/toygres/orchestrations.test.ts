/**
 * The toygres orchestrations on a fake platform (no real servers): create → running with a
 * detached actor that records health checks; delete signals the actor first and marks the
 * record deleted; a failed create stays visible as failed and is cleaned up by the cleanup
 * sub-orchestration; names are unique among live instances and reusable after a delete; the
 * actor survives metadata-store errors; the pruner's schedule removes finished toygres
 * orchestrations (its own runs too) and old actor executions; no password ever reaches history
 * or custom status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectionInfo,
  createInstance,
  deleteInstance,
  getInstance,
  instanceHealth,
  listInstances,
  waitForCreate,
  waitForDelete,
} from '../../src/toygres/control-plane.js';
import { ToygresError } from '../../src/toygres/errors.js';
import type { MetadataStore } from '../../src/toygres/metadata/store.js';
import {
  instanceIds,
  ORCHESTRATIONS,
  SYSTEM_PRUNER_ID,
  SYSTEM_PRUNER_SCHEDULE_INSTANCE,
} from '../../src/toygres/names.js';
import { describeSystemPruner, ensureSystemPruner } from '../../src/toygres/pruner.js';
import type { ActorStatus, CreateInstanceInput } from '../../src/toygres/types.js';
import { allHistoryText, FakePlatform, startBench } from './helpers/harness.js';
import { eventually } from '../helpers/eventually.js';
import type { Bench } from './helpers/harness.js';

const PASSWORD = 'Sup3r-secret:pass@word';

let bench: Bench | null = null;
afterEach(async () => {
  await bench?.close();
  bench = null;
  delete process.env.DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE;
});

/** A server query that answers like PostgreSQL while `up` says so. */
function fakeQuery(platform: FakePlatform, state: { up: boolean; calls: number }) {
  return async (host: string, port: number, password: string) => {
    state.calls++;
    const server = [...platform.servers.values()].find((s) => s.port === port);
    if (!state.up || !server) throw new Error(`connect ECONNREFUSED ${host}:${port}`);
    if (server.password !== password) throw new Error('password authentication failed');
    return { serverVersion: 'PostgreSQL 17.10 (fake)', latencyMs: 1.5 };
  };
}

async function actorStatus(b: Bench, name: string): Promise<ActorStatus | null> {
  const status = await b.client.getStatus(instanceIds.actor(name));
  return status.customStatus ? (JSON.parse(status.customStatus) as ActorStatus) : null;
}

describe('toygres orchestrations (fake platform)', () => {
  it('creates, monitors and deletes an instance; the password stays out of history', async () => {
    const platform = new FakePlatform();
    const server = { up: true, calls: 0 };
    bench = await startBench({ local: platform, queryServer: fakeQuery(platform, server) });
    const b = bench;
    const progress: string[] = [];
    const created = await createInstance(b.cp, { name: 'db1', password: PASSWORD, healthIntervalMs: 100 });
    expect(created).toMatchObject({ name: 'db1', orchestrationId: 'create-db1', passwordGenerated: false });
    const outcome = await waitForCreate(b.cp, created, {
      timeoutMs: 20_000,
      onProgress: (s) => progress.push(s),
    });
    expect(outcome.status).toBe('Completed');
    expect(outcome.instance).toMatchObject({
      state: 'running',
      connection: { host: '127.0.0.1', user: 'postgres', database: 'postgres' },
      serverVersion: 'PostgreSQL 17.10 (fake)',
      orchestrations: { create: 'create-db1', actor: 'actor-db1' },
    });
    expect(outcome.instance!.connectionString).toMatch(
      /^postgresql:\/\/postgres:\*{8}@127\.0\.0\.1:\d+\/postgres$/,
    );
    expect(progress.at(-1)).toMatch(/^Running \(ready in/);
    const output = (await b.client.getStatus('create-db1')).output as Record<string, unknown>;
    expect(output).toMatchObject({
      name: 'db1',
      actorOrchestrationId: 'actor-db1',
      port: expect.any(Number),
    });

    // The actor checks health every 100 ms, continuing as new each cycle.
    await eventually(async () => ((await actorStatus(b, 'db1'))?.cycle ?? 0) >= 3, {
      what: 'three health cycles',
      timeoutMs: 15_000,
    });
    expect(await actorStatus(b, 'db1')).toMatchObject({ health: 'healthy', latencyMs: 1.5 });
    expect((await b.client.listExecutions('actor-db1')).length).toBeGreaterThan(1);
    const health = await instanceHealth(b.cp, 'db1');
    expect(health.health).toBe('healthy');
    expect(health.checks.length).toBeGreaterThanOrEqual(2);

    // Down → unhealthy, and the actor keeps going.
    server.up = false;
    await eventually(async () => (await actorStatus(b, 'db1'))?.health === 'unhealthy', {
      what: 'unhealthy',
      timeoutMs: 15_000,
    });
    expect((await b.metadata.findByName('db1'))?.health).toBe('unhealthy');
    expect((await actorStatus(b, 'db1'))?.error).toMatch(/ECONNREFUSED/);

    const connection = await connectionInfo(b.cp, 'db1', { showPassword: true });
    expect(connection.connectionString).toContain(encodeURIComponent(PASSWORD));

    const deletion = await deleteInstance(b.cp, 'db1');
    const deleted = await waitForDelete(b.cp, deletion, { timeoutMs: 20_000 });
    expect(deleted.status).toBe('Completed');
    expect((await b.client.getStatus('delete-db1')).output).toMatchObject({
      deleted: true,
      actorSignalled: true,
    });
    expect(deleted.instance).toMatchObject({ state: 'deleted', orchestrations: { delete: 'delete-db1' } });
    expect(platform.servers.size).toBe(0);
    const actor = await b.client.waitForOrchestration('actor-db1', 10_000);
    expect(actor.status).toBe('Completed');
    expect(await b.metadata.getSecret(created.recordId)).toBeNull();
    expect(await listInstances(b.cp)).toEqual([]);
    expect((await listInstances(b.cp, { states: ['deleted'] })).map((i) => i.name)).toEqual(['db1']);
    const events = (await getInstance(b.cp, 'db1')).events.filter((e) => e.kind === 'state_change');
    expect(events.map((e) => e.newState)).toEqual(['creating', 'running', 'deleting', 'deleted']);

    const history = await allHistoryText(b.client);
    expect(history).not.toContain(PASSWORD);
    expect(history).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('a failed create stays visible as failed and its resources are cleaned up', async () => {
    const platform = new FakePlatform();
    bench = await startBench({ local: platform, queryServer: fakeQuery(platform, { up: true, calls: 0 }) });
    process.env.DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE = '1';
    const created = await createInstance(bench.cp, { name: 'broken', password: PASSWORD });
    const outcome = await waitForCreate(bench.cp, created, { timeoutMs: 60_000 });
    expect(outcome.status).toBe('Failed');
    expect(outcome.error).toMatch(/INJECTED FAILURE/);
    expect(outcome.instance).toMatchObject({ name: 'broken', state: 'failed' });
    expect(outcome.instance!.stateMessage).toMatch(/INJECTED FAILURE/);
    expect(platform.calls).toEqual(['deploy:broken', 'destroy:broken']);
    expect(platform.servers.size).toBe(0);
    expect((await listInstances(bench.cp)).map((i) => [i.name, i.state])).toEqual([['broken', 'failed']]);
    expect((await bench.client.getStatus(instanceIds.cleanup('broken'))).status).toBe('Completed');
    expect((await bench.client.getStatus(instanceIds.actor('broken'))).status).toBe('NotFound');
    expect(await bench.metadata.getSecret(created.recordId)).toBeNull();
    const details = await getInstance(bench.cp, 'broken');
    expect(details.events.map((e) => e.message).join('\n')).toMatch(/cleaned up/);

    // The name can be used again: the failed record is superseded.
    delete process.env.DUROX_TOYGRES_INJECT_TEST_CONNECTION_FAILURE;
    const again = await createInstance(bench.cp, {
      name: 'broken',
      password: PASSWORD,
      healthIntervalMs: 60_000,
    });
    expect((await waitForCreate(bench.cp, again, { timeoutMs: 20_000 })).status).toBe('Completed');
    expect((await bench.metadata.get(created.recordId))?.state).toBe('deleted');
    expect((await listInstances(bench.cp)).map((i) => [i.name, i.state])).toEqual([['broken', 'running']]);
  });

  it('refuses a taken name and validates input; a name is reusable after a delete', async () => {
    const platform = new FakePlatform();
    bench = await startBench({ local: platform, queryServer: fakeQuery(platform, { up: true, calls: 0 }) });
    const b = bench;
    await expect(createInstance(b.cp, { name: 'Bad_Name' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(createInstance(b.cp, { name: 'ok', password: 'short' })).rejects.toThrow(/at least 8/);
    await expect(createInstance(b.cp, { name: 'ok', postgresVersion: '12' })).rejects.toThrow(
      /provides PostgreSQL/,
    );
    await expect(deleteInstance(b.cp, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const first = await createInstance(b.cp, { name: 'dup', healthIntervalMs: 60_000 });
    expect(first.passwordGenerated).toBe(true);
    expect((await b.metadata.getSecret(first.recordId))?.length).toBeGreaterThanOrEqual(24);
    await waitForCreate(b.cp, first, { timeoutMs: 20_000 });
    const err = await createInstance(b.cp, { name: 'dup' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToygresError);
    expect(err).toMatchObject({ code: 'CONFLICT', message: "instance 'dup' already exists (running)" });

    // Started behind the control plane's back, a second create of the name fails at the reservation.
    const input: CreateInstanceInput = {
      recordId: 'other-record',
      platform: 'local',
      spec: { name: 'dup', namespace: 'toygres', postgresVersion: '17', storageGb: 1, loadBalancer: false },
      readiness: { attempts: 3, intervalMs: 10 },
      actorIntervalMs: 1000,
    };
    await b.metadata.putSecret('other-record', 'another-password');
    await b.client.startOrchestration('rogue-create', ORCHESTRATIONS.createInstance, input);
    const rogue = await b.client.waitForOrchestration('rogue-create', 10_000);
    expect(rogue.error).toMatch(/instance 'dup' already exists \(state running\)/);
    expect(platform.calls.filter((c) => c === 'deploy:dup')).toHaveLength(1);

    await waitForDelete(b.cp, await deleteInstance(b.cp, 'dup'), { timeoutMs: 20_000 });

    // A create that was cancelled midway leaves a `creating` record that can still be deleted.
    platform.readyAfter = 1_000_000;
    const stuck = await createInstance(b.cp, { name: 'stuck' });
    await eventually(async () => (await b.metadata.findByName('stuck'))?.state === 'creating', {
      what: 'creating',
      timeoutMs: 10_000,
    });
    await expect(deleteInstance(b.cp, 'stuck')).rejects.toMatchObject({ code: 'CONFLICT' });
    await b.client.cancelInstance(stuck.orchestrationId, 'changed my mind');
    await eventually(
      async () => (await b.client.getStatus(stuck.orchestrationId)).status === 'Failed',
      10_000,
    );
    const removed = await waitForDelete(b.cp, await deleteInstance(b.cp, 'stuck'), { timeoutMs: 20_000 });
    expect(removed.instance).toMatchObject({ state: 'deleted' });
    expect(platform.servers.has('stuck')).toBe(false);
    platform.readyAfter = 2;
    const second = await createInstance(b.cp, { name: 'dup', healthIntervalMs: 60_000 });
    const outcome = await waitForCreate(b.cp, second, { timeoutMs: 20_000 });
    expect(outcome.status).toBe('Completed');
    expect(outcome.instance?.recordId).toBe(second.recordId);
    expect((await b.client.getStatus('actor-dup')).status).toBe('Running');
  });

  it('the actor survives metadata-store errors and stops when the record is no longer running', async () => {
    const platform = new FakePlatform();
    let failing = false;
    const wrap = (store: MetadataStore): MetadataStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop === 'get' && typeof value === 'function') {
            return (...args: unknown[]) => {
              if (failing) return Promise.reject(new Error('metadata store unreachable'));
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    bench = await startBench({
      local: platform,
      queryServer: fakeQuery(platform, { up: true, calls: 0 }),
      wrapMetadata: wrap,
    });
    const b = bench;
    // Retries of the health check back off 1 s + 2 s; keep the interval short.
    const created = await createInstance(b.cp, { name: 'flaky', healthIntervalMs: 100 });
    await waitForCreate(b.cp, created, { timeoutMs: 20_000 });
    await eventually(async () => (await actorStatus(b, 'flaky'))?.health === 'healthy', {
      what: 'healthy',
      timeoutMs: 10_000,
    });
    failing = true;
    await eventually(async () => (await actorStatus(b, 'flaky'))?.health === 'unknown', {
      what: 'unknown',
      timeoutMs: 20_000,
    });
    expect((await actorStatus(b, 'flaky'))?.error).toMatch(/metadata store unreachable/);
    expect((await b.client.getStatus('actor-flaky')).status).toBe('Running');
    failing = false;
    await eventually(async () => (await actorStatus(b, 'flaky'))?.health === 'healthy', {
      what: 'healthy again',
      timeoutMs: 20_000,
    });

    // A record that leaves `running` without a signal (e.g. the event was missed) stops the actor.
    await b.metadata.transition(created.recordId, 'deleting');
    const end = await b.client.waitForOrchestration('actor-flaky', 20_000);
    expect(end.status).toBe('Completed');
    expect(end.output).toMatchObject({ stopped: 'the instance is deleting' });
  });

  it('the system pruner deletes finished toygres orchestrations and keeps the last actor executions', async () => {
    const platform = new FakePlatform();
    bench = await startBench({
      local: platform,
      queryServer: fakeQuery(platform, { up: true, calls: 0 }),
      beforeStart: (runtime) =>
        runtime.registerOrchestration('SomethingElse', function* () {
          return 'done';
        }),
    });
    const b = bench;
    // Created first, with a short interval: the create below finds it and leaves it as it is.
    expect(
      await ensureSystemPruner(b.client, { intervalMs: 300, terminalOlderThanMs: 0, keepExecutions: 2 }),
    ).toBe(true);
    await b.client.startOrchestration('not-toygres', 'SomethingElse', null);
    expect((await b.client.waitForOrchestration('not-toygres', 10_000)).status).toBe('Completed');
    const created = await createInstance(b.cp, { name: 'pruned', healthIntervalMs: 100 });
    await waitForCreate(b.cp, created, { timeoutMs: 20_000 });
    expect((await b.client.listSchedules()).map((s) => [s.id, s.spec])).toEqual([
      [SYSTEM_PRUNER_ID, 'every 300 ms'],
    ]);
    await eventually(async () => (await b.client.getStatus('create-pruned')).status === 'NotFound', {
      what: 'create pruned',
      timeoutMs: 20_000,
    });
    // The actor keeps continuing as new every 100 ms: let the pruner run over it twice more.
    // Run ids carry their time, so they sort by it.
    const lastRun = async (): Promise<string | null> =>
      (await describeSystemPruner(b.client))?.lastRun?.instanceId ?? null;
    const since = await eventually(lastRun, { what: 'a finished pruner run', timeoutMs: 20_000 });
    const later = async (than: string): Promise<string | null> => {
      const id = await lastRun();
      return id !== null && id > than ? id : null;
    };
    const next = await eventually(() => later(since), { what: 'a later pruner run', timeoutMs: 20_000 });
    await eventually(() => later(next), { what: 'one more pruner run', timeoutMs: 20_000 });
    // Pruned to the last two at each run; the actor (every 100 ms) may have continued since the
    // last one, so count what is gone rather than what is left.
    const executions = await b.client.listExecutions('actor-pruned');
    expect(Math.min(...executions)).toBeGreaterThan(2);
    expect(executions.length).toBeLessThan(Math.max(...executions) - 2);
    expect((await b.client.getStatus('actor-pruned')).status).toBe('Running');
    expect((await b.client.getStatus('not-toygres')).status).toBe('Completed'); // not toygres's: kept
    const report = await describeSystemPruner(b.client);
    expect(report?.lastRun).toMatchObject({
      instanceId: expect.stringMatching(/^toygres-system-pruner@\d{4}-/),
      status: 'Completed',
      output: { instancesDeleted: expect.any(Number), executionsDeleted: expect.any(Number) },
    });
    // Each run deletes the runs before it (threshold 0) and keeps the schedule's executions short.
    const runsLeft = await b.client.listInstances({ orchestrationName: ORCHESTRATIONS.systemPruneRun });
    expect(runsLeft.length).toBeLessThanOrEqual(3);
    // (The schedule prunes itself only every 50 executions.)
    expect(await b.client.listExecutions(SYSTEM_PRUNER_SCHEDULE_INSTANCE)).not.toContain(1);
    expect(await ensureSystemPruner(b.client)).toBe(false);

    // The reconciler: a health monitor that was cancelled is started again.
    await b.client.cancelInstance('actor-pruned', 'oops');
    await eventually(
      async () => (await getInstance(b.cp, 'pruned')).events.some((e) => /restarted/.test(e.message ?? '')),
      { what: 'actor restarted', timeoutMs: 20_000 },
    );
    await eventually(async () => (await b.client.getStatus('actor-pruned')).status === 'Running', {
      what: 'actor running',
      timeoutMs: 10_000,
    });
  });
});
