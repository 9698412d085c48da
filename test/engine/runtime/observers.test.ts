/**
 * Runtime observers: activity start/end with outcomes, turn ends, terminal executions and store
 * operation timings from a real runtime on SQLite; a throwing observer is logged once and changes
 * nothing; bad observer options and late `observe()` calls are refused. And
 * `createPrometheusMetrics` on the same events: a parseable exposition with the right series.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  Client,
  createPrometheusMetrics,
  isDuroxError,
  Runtime,
  SqliteProvider,
} from '../../../src/index.js';
import type {
  ActivityEndEvent,
  ActivityStartEvent,
  OrchestrationTerminalEvent,
  ProviderOperationEvent,
  RuntimeObservers,
  TurnEndEvent,
} from '../../../src/index.js';
import { parseExposition } from '../../helpers/prometheus.js';
import { eventually } from '../../helpers/eventually.js';
import { createHarness, TEST_PROVIDER, untilCancelled } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Registers a small workload: an orchestration running a good and a failing activity. */
function register(h: Harness): void {
  h.runtime.registerActivity('Good', async (_ctx, input: number) => input * 2);
  h.runtime.registerActivity('Bad', async () => {
    throw new Error('bad activity');
  });
  h.runtime.registerOrchestrationVersioned('Work', '2.0.0', function* (ctx, input: number) {
    const doubled: number = yield ctx.scheduleActivity('Good', input);
    try {
      yield ctx.scheduleActivityOnSession('Bad', null, 'session-1');
    } catch {
      // recorded as app_error; the orchestration goes on
    }
    if (input < 0) throw new Error('negative input');
    return doubled;
  });
  h.runtime.registerOrchestration('Loop', function* (ctx, n: number) {
    if (n > 0) return yield ctx.continueAsNew(n - 1);
    return 'done';
  });
}

interface Recorded {
  starts: ActivityStartEvent[];
  ends: ActivityEndEvent[];
  turns: TurnEndEvent[];
  terminals: OrchestrationTerminalEvent[];
  operations: ProviderOperationEvent[];
}

function recorder(): { recorded: Recorded; observers: RuntimeObservers } {
  const recorded: Recorded = { starts: [], ends: [], turns: [], terminals: [], operations: [] };
  return {
    recorded,
    observers: {
      activityStart: (e) => recorded.starts.push(e),
      activityEnd: (e) => recorded.ends.push(e),
      turnEnd: (e) => recorded.turns.push(e),
      orchestrationTerminal: (e) => recorded.terminals.push(e),
      providerOperation: (e) => recorded.operations.push(e),
    },
  };
}

describe('runtime observers', () => {
  it('report activity ends, turn ends, terminal executions and store operations', async () => {
    const { recorded, observers } = recorder();
    const h = await createHarness({ observers });
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('w-1', 'Work', 21);
    await h.client.startOrchestration('w-2', 'Work', -1);
    await h.client.startOrchestration('loop-1', 'Loop', 1);
    expect((await h.client.waitForOrchestration('w-1', 10_000)).status).toBe('Completed');
    expect((await h.client.waitForOrchestration('w-2', 10_000)).status).toBe('Failed');
    expect((await h.client.waitForOrchestration('loop-1', 10_000)).status).toBe('Completed');
    await h.idle();

    // In scheduling order: with held turns, the turn that schedules 'Bad' commits inside
    // 'Good's ack, so 'Bad' may end on another slot before 'Good's end is reported.
    const w1 = recorded.ends
      .filter((e) => e.instanceId === 'w-1')
      .sort((a, b) => a.activityId - b.activityId);
    expect(w1.map((e) => [e.name, e.outcome])).toEqual([
      ['Good', 'success'],
      ['Bad', 'app_error'],
    ]);
    expect(w1[1]).toMatchObject({
      executionId: 1,
      orchestrationName: 'Work',
      orchestrationVersion: '2.0.0',
      tag: null,
      sessionId: 'session-1',
      attempt: 1,
      workerId: expect.stringMatching(/^work-\d+-/),
    });
    for (const end of recorded.ends) expect(end.durationMs).toBeGreaterThanOrEqual(0);
    expect(recorded.starts.map((e) => `${e.instanceId}/${e.activityId}`).sort()).toEqual(
      recorded.ends.map((e) => `${e.instanceId}/${e.activityId}`).sort(),
    );

    const turns = (id: string) => recorded.turns.filter((t) => t.instanceId === id);
    expect(turns('w-1').map((t) => t.outcome)).toEqual(['running', 'running', 'completed']);
    expect(turns('w-1')[0]).toMatchObject({
      name: 'Work',
      version: '2.0.0',
      executionId: 1,
      initiatedBy: 'client',
      attempt: 1,
    });
    expect(turns('w-1')[1]!.initiatedBy).toBeUndefined();
    expect(turns('w-1').at(-1)!.historyEvents).toBe((await h.history('w-1')).length);
    expect(turns('w-2').at(-1)!.outcome).toBe('failed');
    expect(turns('loop-1').map((t) => [t.executionId, t.outcome, t.initiatedBy])).toEqual([
      [1, 'continued_as_new', 'client'],
      [2, 'completed', 'continue_as_new'],
    ]);

    expect(
      recorded.terminals.map((t) => [t.instanceId, t.executionId, t.status, t.errorCategory]).sort(),
    ).toEqual(
      [
        ['loop-1', 1, 'continued_as_new', undefined],
        ['loop-1', 2, 'completed', undefined],
        ['w-1', 1, 'completed', undefined],
        ['w-2', 1, 'failed', 'application'],
      ].sort(),
    );

    const operations = new Set(recorded.operations.map((o) => o.operation));
    for (const op of [
      'fetch_orchestration_item',
      'ack_orchestration_item',
      'fetch_work_item',
      'ack_work_item',
    ])
      expect(operations).toContain(op);
    expect(operations).not.toContain('wait_for_work');
    expect(recorded.operations.every((o) => o.ok && o.durationMs >= 0)).toBe(true);
  });

  it('reports poison and unregistered activities, which run no code', async () => {
    const { recorded, observers } = recorder();
    const h = await createHarness({
      observers: [observers],
      maxAttempts: 2,
      unregisteredBackoff: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    h.runtime.registerOrchestration('Missing', function* (ctx) {
      return yield ctx.scheduleActivity('Nowhere', null);
    });
    await h.runtime.start();
    await h.client.startOrchestration('m-1', 'Missing');
    const status = await h.client.waitForOrchestration('m-1', 10_000);
    expect(status.status).toBe('Failed');
    await h.idle();
    const outcomes = recorded.ends.map((e) => e.outcome);
    expect(outcomes.filter((o) => o === 'config_error')).toHaveLength(2);
    expect(outcomes.at(-1)).toBe('poison');
    expect(recorded.starts).toEqual([]);
    expect(h.runtime.metricsSnapshot()).toMatchObject({ activityPoison: 1, activityConfigErrors: 2 });

    // An orchestration nobody registers: given back twice, then failed as poison.
    await h.client.startOrchestration('ghost-1', 'Ghost');
    expect((await h.client.waitForOrchestration('ghost-1', 10_000)).status).toBe('Failed');
    await h.idle();
    const ghost = recorded.turns.filter((t) => t.instanceId === 'ghost-1');
    expect(ghost.map((t) => [t.outcome, t.attempt])).toEqual([
      ['abandoned', 1],
      ['abandoned', 2],
      ['failed', 3],
    ]);
    expect(ghost[0]).toMatchObject({ name: 'Ghost', version: null, historyEvents: 0, newEvents: 0 });
    expect(recorded.terminals.find((t) => t.instanceId === 'ghost-1')).toMatchObject({
      name: 'Ghost',
      status: 'failed',
      errorCategory: 'poison',
    });
    // m-1 failed with its activity's poison failure, ghost-1 as poison itself.
    expect(recorded.terminals.find((t) => t.instanceId === 'm-1')?.errorCategory).toBe('poison');
    expect(h.runtime.metricsSnapshot().orchPoison).toBe(2);
  });

  it('reports an activity that lost a race as cancelled', async () => {
    const { recorded, observers } = recorder();
    const h = await createHarness({ observers });
    h.runtime.registerActivity('Slow', async (ctx) => {
      await untilCancelled(ctx, 20_000);
      return 'slow';
    });
    h.runtime.registerOrchestration('Race', function* (ctx) {
      const winner = yield ctx.race(ctx.scheduleActivity('Slow'), ctx.scheduleTimer(100));
      return winner.index;
    });
    await h.runtime.start();
    await h.client.startOrchestration('race', 'Race');
    expect(await h.client.waitForOrchestration('race', 10_000)).toMatchObject({ output: 1 });
    await eventually(() => recorded.ends.length === 1, 'the activity to end');
    expect(recorded.ends[0]).toMatchObject({ name: 'Slow', outcome: 'cancelled', instanceId: 'race' });
  });

  it('logs a throwing observer once and keeps running', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const { recorded, observers } = recorder();
    const h = await createHarness({
      logLevel: 'error',
      observers: [
        {
          turnEnd: () => {
            throw new Error('observer bug');
          },
          activityEnd: async () => Promise.reject(new Error('async observer bug')),
        },
        observers,
      ],
    });
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('w-1', 'Work', 1);
    await h.client.startOrchestration('w-2', 'Work', 2);
    expect((await h.client.waitForOrchestration('w-1', 10_000)).status).toBe('Completed');
    expect((await h.client.waitForOrchestration('w-2', 10_000)).status).toBe('Completed');
    // The other observer saw everything (observers hear of a turn after its commit).
    await eventually(
      () => recorded.turns.filter((t) => t.outcome === 'completed').length === 2,
      'both final turns to be observed',
    );
    await eventually(() => writes.filter((w) => w.includes('runtime observer')).length === 2, 'two logs');
    const logged = writes.filter((w) => w.includes('runtime observer'));
    expect(logged).toHaveLength(2);
    expect(logged.find((w) => w.includes('turnEnd'))).toContain('observer bug');
    expect(logged.find((w) => w.includes('activityEnd'))).toContain('async observer bug');
  });

  it('refuses observer objects with unknown keys and observe() after start', async () => {
    const h = await createHarness();
    let caught: unknown;
    try {
      h.newRuntime({ observers: { activityEnded: () => undefined } as unknown as RuntimeObservers });
    } catch (err) {
      caught = err;
    }
    expect(isDuroxError(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message).toMatch(/^runtime option observers: expected an object/);
    await h.runtime.start();
    expect(() => h.runtime.observe({})).toThrow('runtime.observe() must be called before start()');
  });
});

describe('createPrometheusMetrics', () => {
  it('exposes duroxide-named series with labels, histograms, store gauges and process metrics', async () => {
    const h = await createHarness();
    register(h);
    const registry = new Registry();
    const metrics = createPrometheusMetrics(h.runtime, { registry });
    expect(metrics.registry).toBe(registry);
    await h.runtime.start();
    await h.client.startOrchestration('w-1', 'Work', 1);
    await h.client.startOrchestration('w-2', 'Work', -1);
    await h.client.waitForOrchestration('w-1', 10_000);
    await h.client.waitForOrchestration('w-2', 10_000);
    await h.idle();
    // orchestrationTerminal fires after the ending turn's commit, which a waiting client may
    // see first: wait for both ends to be counted.
    await eventually(
      async () =>
        parseExposition(await metrics.metrics()).samples('duroxide_orchestration_completions_total')
          .length === 2,
      'both completions to be counted',
    );

    const m = parseExposition(await metrics.metrics());
    expect(m.family('duroxide_activity_executions_total').type).toBe('COUNTER');
    expect(m.samples('duroxide_activity_executions_total')).toEqual(
      expect.arrayContaining([
        { value: '2', labels: { activity_name: 'Good', outcome: 'success', tag: 'default' } },
        { value: '2', labels: { activity_name: 'Bad', outcome: 'app_error', tag: 'default' } },
      ]),
    );
    expect(
      m.histogramCount('duroxide_activity_duration_seconds', {
        activity_name: 'Good',
        outcome: 'success',
        tag: 'default',
      }),
    ).toBe(2);
    expect(m.samples('duroxide_orchestration_starts_total')).toEqual([
      { value: '2', labels: { orchestration_name: 'Work', version: '2.0.0', initiated_by: 'client' } },
    ]);
    expect(m.samples('duroxide_orchestration_completions_total')).toEqual(
      expect.arrayContaining([
        { value: '1', labels: { orchestration_name: 'Work', version: '2.0.0', status: 'success' } },
        { value: '1', labels: { orchestration_name: 'Work', version: '2.0.0', status: 'failed' } },
      ]),
    );
    expect(m.samples('duroxide_orchestration_failures_total')).toEqual([
      { value: '1', labels: { orchestration_name: 'Work', version: '2.0.0', error_type: 'app_error' } },
    ]);
    expect(
      m.histogramCount('durox_orchestration_turn_duration_seconds', {
        orchestration_name: 'Work',
        version: '2.0.0',
        outcome: 'completed',
      }),
    ).toBe(1);
    // Each activity result is committed alone or with its orchestration's next (held) turn.
    const resultCommits = ['ack_work_item', 'ack_held_turn'].map((operation) =>
      m.histogramCount('duroxide_provider_operation_duration_seconds', { operation, status: 'success' }),
    );
    expect((resultCommits[0] ?? 0) + (resultCommits[1] ?? 0)).toBe(4);
    expect(m.histogramCount('duroxide_orchestration_history_size', { orchestration_name: 'Work' })).toBe(2);
    expect(m.samples('duroxide_worker_queue_depth')).toEqual([{ value: '0' }]);
    expect(m.samples('duroxide_active_orchestrations')).toEqual([{ value: '0' }]);
    expect(m.samples('durox_workers')).toEqual([{ value: '1' }]);
    expect(m.samples('durox_store_up')).toEqual([{ value: '1' }]);
    expect(m.samples('durox_activities_in_flight')).toEqual([{ value: '0' }]);
    expect(m.samples('durox_dispatcher_items_fetched_total')).toContainEqual({
      value: '4',
      labels: { dispatcher: 'worker' },
    });
    expect(m.families.map((f) => f.name)).toEqual(
      expect.arrayContaining(['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']),
    );
  });

  it.skipIf(TEST_PROVIDER !== 'sqlite')(
    'counts failed store operations by kind: a locked SQLite file is a timeout',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'durox-prom-'));
      const path = join(dir, 'durox.db');
      const provider = await SqliteProvider.open(path, { busyTimeoutMs: 100 });
      const runtime = new Runtime(provider, { dispatcherPollIntervalMs: 20, logLevel: 'off' });
      const blocker = new Database(path);
      try {
        runtime.registerOrchestration('Quick', function* () {
          return 1;
        });
        const metrics = createPrometheusMetrics(runtime, { defaultMetrics: false });
        const client = new Client(provider);
        await client.startOrchestration('q', 'Quick');
        // Another connection holds the write lock: the runtime's fetches time out.
        blocker.exec('BEGIN IMMEDIATE');
        await runtime.start();
        const timeouts = await eventually(async () => {
          const samples = parseExposition(await metrics.metrics()).samples('duroxide_provider_errors_total');
          return samples.find((s) => s.labels?.error_type === 'timeout');
        }, 'a store timeout to be counted');
        // The first to hit the lock may be a fetch or the worker registration.
        expect(Number(timeouts.value)).toBeGreaterThanOrEqual(1);
        blocker.exec('ROLLBACK');
        expect((await client.waitForOrchestration('q', 10_000)).status).toBe('Completed');
      } finally {
        if (blocker.inTransaction) blocker.exec('ROLLBACK');
        blocker.close();
        await runtime.shutdown(1000);
        await provider.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('reads only the store from a client, without default metrics when asked', async () => {
    const h = await createHarness();
    const metrics = createPrometheusMetrics(h.client, { defaultMetrics: false });
    const names = parseExposition(await metrics.metrics()).families.map((f) => f.name);
    expect(names).toContain('duroxide_orchestrator_queue_depth');
    expect(names).not.toContain('durox_dispatcher_items_fetched_total');
    expect(names.some((n) => n.startsWith('process_') || n.startsWith('nodejs_'))).toBe(false);
  });
});
