/**
 * The toygres system pruner as a schedule, on virtual time: `ensureSystemPruner` creates the
 * schedule once however often (and concurrently) it is called; each hourly run prunes finished
 * toygres orchestrations (earlier runs of the pruner among them) and the schedule's own old
 * executions, and reports what it did; an eternal pruner of an earlier release is replaced,
 * by `ensureSystemPruner` or by itself at its next continue-as-new (version 2.0.0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../src/index.js';
import { TestEnvironment } from '../../src/testing/index.js';
import { SqliteMetadataStore } from '../../src/toygres/metadata/sqlite/sqlite-metadata.js';
import {
  ACTIVITIES,
  ORCHESTRATIONS,
  SYSTEM_PRUNER_ID,
  SYSTEM_PRUNER_SCHEDULE_INSTANCE,
} from '../../src/toygres/names.js';
import { describeSystemPruner, ensureSystemPruner } from '../../src/toygres/pruner.js';
import { registerToygres } from '../../src/toygres/register.js';
import type { SystemPrunerInput } from '../../src/toygres/types.js';
import { FakePlatform } from './helpers/harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A virtual-time environment with toygres registered (fake platform, metadata on a temp file). */
async function toygresEnvironment(startTime: string): Promise<TestEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), 'toygres-pruner-'));
  const metadata = await SqliteMetadataStore.open(`sqlite:${join(dir, 'metadata.db')}`);
  const env = await TestEnvironment.create({
    startTime,
    register(runtime) {
      registerToygres(runtime, { local: new FakePlatform(), metadata });
      runtime.registerOrchestration('SomethingElse', function* (_ctx: OrchestrationContext) {
        return 'done';
      });
    },
  });
  cleanups.push(async () => {
    await env.close();
    await metadata.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return env;
}

/** Ids of the pruner's runs still in the store, oldest first. */
async function prunerRuns(env: TestEnvironment): Promise<string[]> {
  const rows = await env.client.listInstances({
    orchestrationName: ORCHESTRATIONS.systemPruneRun,
    orderBy: 'instanceId',
    descending: false,
  });
  return rows.map((r) => r.instanceId).filter((id) => id.startsWith(`${SYSTEM_PRUNER_ID}@`));
}

describe('toygres system pruner (schedule, virtual time)', () => {
  it('is one schedule however often it is ensured; its runs prune finished toygres orchestrations, earlier runs and the schedule executions', async () => {
    const env = await toygresEnvironment('2030-01-01T00:00:30Z');
    // A finished toygres orchestration, and another application's one (before any timer exists,
    // so that waiting for them does not move time).
    await env.client.startOrchestration('manual-prune', ORCHESTRATIONS.systemPruneRun, {
      terminalOlderThanMs: 100 * HOUR,
      keepExecutions: 100,
    });
    await env.client.startOrchestration('not-toygres', 'SomethingElse', null);
    expect((await env.client.waitForOrchestration('manual-prune')).status).toBe('Completed');
    expect((await env.client.waitForOrchestration('not-toygres')).status).toBe('Completed');
    expect(env.now()).toBe(Date.parse('2030-01-01T00:00:30Z'));

    const options = { intervalMs: HOUR, terminalOlderThanMs: 90 * MINUTE, keepExecutions: 2 };
    // Concurrent creates (two control planes creating instances at once): one schedule.
    const created = await Promise.all([
      ensureSystemPruner(env.client, options),
      ensureSystemPruner(env.client, options),
    ]);
    expect(created.sort()).toEqual([false, true]);
    // Later calls find it, whatever their settings: an existing schedule is left as it is.
    expect(await ensureSystemPruner(env.client)).toBe(false);
    const schedules = await env.client.listSchedules();
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({
      id: SYSTEM_PRUNER_ID,
      instanceId: SYSTEM_PRUNER_SCHEDULE_INSTANCE,
      orchestration: ORCHESTRATIONS.systemPruneRun,
      spec: `every ${HOUR} ms`,
      nextTime: Date.parse('2030-01-01T01:00:00Z'),
    });
    const { spec } = await env.client.describeSchedule(SYSTEM_PRUNER_ID);
    expect(spec).toMatchObject({
      overlap: 'skip',
      catchupWindowMs: HOUR,
      input: { terminalOlderThanMs: 90 * MINUTE, keepExecutions: 2 },
    });

    await env.advanceTo('2030-01-01T04:00:30Z');
    // Runs at 01:00 … 04:00. The 02:00 run deleted manual-prune (done at 00:00:30, more than
    // 90 minutes before), the 03:00 run the 01:00 run, the 04:00 run the 02:00 run.
    expect(await prunerRuns(env)).toEqual([
      `${SYSTEM_PRUNER_ID}@2030-01-01T03:00:00Z`,
      `${SYSTEM_PRUNER_ID}@2030-01-01T04:00:00Z`,
    ]);
    expect((await env.client.getStatus('manual-prune')).status).toBe('NotFound');
    expect((await env.client.getStatus('not-toygres')).status).toBe('Completed');

    const report = await describeSystemPruner(env.client);
    expect(report?.lastRun).toEqual({
      instanceId: `${SYSTEM_PRUNER_ID}@2030-01-01T04:00:00Z`,
      scheduledAt: Date.parse('2030-01-01T04:00:00Z'),
      status: 'Completed',
      output: {
        instancesDeleted: 1,
        executionsDeleted: expect.any(Number),
        secretsDeleted: 0,
        healthChecksDeleted: 0,
        actorsRestarted: 0,
      },
    });
    expect(
      report?.schedule.recentRuns.map((r) => [r.instanceId.slice(SYSTEM_PRUNER_ID.length + 1), r.status]),
    ).toEqual([
      ['2030-01-01T04:00:00Z', 'Completed'],
      ['2030-01-01T03:00:00Z', 'Completed'],
      ['2030-01-01T02:00:00Z', 'NotFound'],
      ['2030-01-01T01:00:00Z', 'NotFound'],
    ]);
    // The schedule continues as new at each wake-up; each run keeps its last 2 executions.
    const executions = await env.client.listExecutions(SYSTEM_PRUNER_SCHEDULE_INSTANCE);
    expect(executions.length).toBeLessThanOrEqual(3);
    expect(executions).not.toContain(1);
  });

  it('a run whose prune fails after its retries fails; the schedule reports it and goes on', async () => {
    const env = await toygresEnvironment('2030-01-01T00:00:00Z');
    let attempts = 0;
    env.mockActivity(ACTIVITIES.systemPrune, async () => {
      attempts++;
      throw new Error('metadata store unreachable');
    });
    expect(await ensureSystemPruner(env.client)).toBe(true);
    await env.advanceTo('2030-01-01T01:10:00Z');
    expect(attempts).toBe(3);
    const report = await describeSystemPruner(env.client);
    expect(report?.lastRun).toMatchObject({
      instanceId: `${SYSTEM_PRUNER_ID}@2030-01-01T01:00:00Z`,
      status: 'Failed',
      error: expect.stringMatching(/metadata store unreachable/),
    });
    // A failed run has ended: the next one is not skipped.
    await env.advanceTo('2030-01-01T02:10:00Z');
    expect((await describeSystemPruner(env.client))?.schedule.recentRuns).toMatchObject([
      { instanceId: `${SYSTEM_PRUNER_ID}@2030-01-01T02:00:00Z`, action: 'started', status: 'Failed' },
      { instanceId: `${SYSTEM_PRUNER_ID}@2030-01-01T01:00:00Z`, action: 'started', status: 'Failed' },
    ]);
  });

  it('ensureSystemPruner replaces a running eternal pruner of an earlier release', async () => {
    const env = await toygresEnvironment('2030-01-01T00:00:00Z');
    const old: SystemPrunerInput = {
      intervalMs: HOUR,
      terminalOlderThanMs: 6 * HOUR,
      keepExecutions: 3,
      iteration: 0,
    };
    await env.client.startOrchestrationVersioned(SYSTEM_PRUNER_ID, ORCHESTRATIONS.systemPruner, old, '1.0.0');
    await env.sleep('1m'); // it prunes once, then waits for its hourly timer
    const running = await env.client.getStatus(SYSTEM_PRUNER_ID);
    expect(running.status).toBe('Running');
    expect(JSON.parse(running.customStatus!)).toMatchObject({ iteration: 1 });

    expect(await ensureSystemPruner(env.client)).toBe(true);
    expect((await env.client.getStatus(SYSTEM_PRUNER_ID)).status).toBe('NotFound');
    expect((await env.client.listSchedules()).map((s) => s.id)).toEqual([SYSTEM_PRUNER_ID]);
    await env.sleep('2h');
    // Only the schedule prunes now.
    expect(await prunerRuns(env)).toHaveLength(2);
    expect((await env.client.getStatus(SYSTEM_PRUNER_ID)).status).toBe('NotFound');
  });

  it('a running eternal pruner moves itself to the schedule at its next continue-as-new (2.0.0)', async () => {
    const env = await toygresEnvironment('2030-01-01T00:00:00Z');
    const old: SystemPrunerInput = {
      intervalMs: 30 * MINUTE,
      terminalOlderThanMs: 2 * HOUR,
      keepExecutions: 5,
      iteration: 0,
    };
    await env.client.startOrchestrationVersioned(SYSTEM_PRUNER_ID, ORCHESTRATIONS.systemPruner, old, '1.0.0');
    const done = await env.client.waitForOrchestration(SYSTEM_PRUNER_ID);
    expect(done.status).toBe('Completed');
    expect(done.output).toEqual({ replacedBy: SYSTEM_PRUNER_SCHEDULE_INSTANCE, created: true });
    expect(env.now()).toBe(Date.parse('2030-01-01T00:30:00Z'));
    // Waiting for what is already in the store moves no time, though the store is idle and the
    // schedule's first tick is due next.
    await env.client.waitForOrchestration(SYSTEM_PRUNER_ID);
    expect(env.now()).toBe(Date.parse('2030-01-01T00:30:00Z'));
    const versions: string[] = [];
    for (const execution of await env.client.listExecutions(SYSTEM_PRUNER_ID)) {
      const [started] = await env.client.readExecutionHistory(SYSTEM_PRUNER_ID, execution);
      expect(started?.kind).toBe('OrchestrationStarted');
      versions.push((JSON.parse(started!.data!) as { version: string }).version);
    }
    expect(versions).toEqual(['1.0.0', '2.0.0']);
    // The schedule carries the old pruner's settings.
    const { spec } = await env.client.describeSchedule(SYSTEM_PRUNER_ID);
    expect(spec).toMatchObject({
      interval: { everyMs: 30 * MINUTE, offsetMs: 0 },
      orchestration: ORCHESTRATIONS.systemPruneRun,
      input: { terminalOlderThanMs: 2 * HOUR, keepExecutions: 5 },
    });
    // The next create finds the schedule and removes the finished old instance.
    expect(await ensureSystemPruner(env.client)).toBe(false);
    expect((await env.client.getStatus(SYSTEM_PRUNER_ID)).status).toBe('NotFound');
    await env.sleep('1h');
    expect(await prunerRuns(env)).toEqual([
      `${SYSTEM_PRUNER_ID}@2030-01-01T01:00:00Z`,
      `${SYSTEM_PRUNER_ID}@2030-01-01T01:30:00Z`,
    ]);
  });
});
