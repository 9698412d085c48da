/**
 * A real Runtime and Client on the PostgreSQL provider: the engine's paths through group commit,
 * ack-and-fetch-next, handoff between dispatchers and LISTEN/NOTIFY wake-ups, end to end.
 */
import { describe, expect, it } from 'vitest';
import { Client, Runtime, type RuntimeOptions } from '../../../src/index.js';
import type { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { createTestSchema, openPostgresProvider as openProvider } from '../../helpers/postgres.js';

const OPTIONS: RuntimeOptions = { logLevel: 'off', dispatcherPollIntervalMs: 1000 };

function register(runtime: Runtime): void {
  runtime.registerActivity('Step', async (_ctx, x: number) => x + 1);
  runtime.registerOrchestration('Sequential', function* (ctx, steps: number) {
    let x = 0;
    for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Step', x);
    return x;
  });
  runtime.registerOrchestration('FanOut', function* (ctx, width: number) {
    const results = yield ctx.all(Array.from({ length: width }, (_, i) => ctx.scheduleActivity('Step', i)));
    return (results as { ok: number }[]).reduce((sum, r) => sum + r.ok, 0);
  });
  runtime.registerOrchestration('Child', function* (ctx, n: number) {
    return yield ctx.scheduleActivity('Step', n);
  });
  runtime.registerOrchestration('Parent', function* (ctx) {
    const a = yield ctx.scheduleSubOrchestration('Child', 1);
    const b = yield ctx.scheduleSubOrchestration('Child', 10);
    return (a as number) + (b as number);
  });
  runtime.registerOrchestration('Approval', function* (ctx) {
    const winner = yield ctx.race(ctx.waitForEvent('approve'), ctx.scheduleTimer(60_000));
    return winner;
  });
  runtime.registerOrchestration('Counter', function* (ctx, n: number) {
    yield ctx.scheduleTimer(20);
    if (n < 3) return yield ctx.continueAsNew(n + 1);
    return n;
  });
}

async function startRuntime(provider: PostgresProvider, options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = new Runtime(provider, { ...OPTIONS, ...options });
  register(runtime);
  await runtime.start();
  return runtime;
}

describe('a Runtime on PostgreSQL', () => {
  it('runs sequences, fan-outs, sub-orchestrations, events, timers and continue-as-new', async () => {
    const provider = await openProvider();
    const runtime = await startRuntime(provider);
    const client = new Client(provider);
    try {
      await client.startOrchestration('seq', 'Sequential', 5);
      await client.startOrchestration('fan', 'FanOut', 50);
      await client.startOrchestration('parent', 'Parent');
      await client.startOrchestration('approval', 'Approval');
      await client.startOrchestration('counter', 'Counter', 0);
      await client.raiseEvent('approval', 'approve', { by: 'alice' });
      expect(await client.waitForOrchestration('seq', 20_000)).toMatchObject({
        status: 'Completed',
        output: 5,
      });
      expect(await client.waitForOrchestration('fan', 20_000)).toMatchObject({
        status: 'Completed',
        output: (50 * 51) / 2,
      });
      expect(await client.waitForOrchestration('parent', 20_000)).toMatchObject({
        status: 'Completed',
        output: 13,
      });
      expect((await client.waitForOrchestration('approval', 20_000)).status).toBe('Completed');
      expect(await client.waitForOrchestration('counter', 20_000)).toMatchObject({
        status: 'Completed',
        output: 3,
      });
      expect((await provider.getInstanceInfo('counter'))?.currentExecutionId).toBe(4);
      // Nothing is left behind, not even the race's losing 60 s timer: the instance that
      // completed took it with it.
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 0,
        workerQueue: 0,
        timerQueue: 0,
      });
    } finally {
      await runtime.shutdown(1000);
    }
  });

  it('completes a short sequence well within the poll interval (wake-ups, not polling)', async () => {
    const provider = await openProvider();
    const runtime = await startRuntime(provider, { dispatcherPollIntervalMs: 5000 });
    const client = new Client(provider);
    try {
      await client.startOrchestration('warm', 'Sequential', 2);
      await client.waitForOrchestration('warm', 20_000);
      const started = Date.now();
      await client.startOrchestration('quick', 'Sequential', 3);
      expect(await client.waitForOrchestration('quick', 20_000)).toMatchObject({ output: 3 });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await runtime.shutdown(1000);
    }
  });

  it('shares one schema between two runtimes (two processes) and a separate client', async () => {
    const schema = createTestSchema();
    const providerA = await openProvider(schema);
    const providerB = await openProvider(schema);
    const clientSide = await openProvider(schema);
    const runtimeA = await startRuntime(providerA, { orchestrationConcurrency: 2, workerConcurrency: 2 });
    const runtimeB = await startRuntime(providerB, { orchestrationConcurrency: 2, workerConcurrency: 2 });
    const client = new Client(clientSide);
    try {
      const ids = Array.from({ length: 30 }, (_, n) => `multi-${n}`);
      await Promise.all(ids.map((id) => client.startOrchestration(id, 'Sequential', 4)));
      for (const id of ids) {
        expect(await client.waitForOrchestration(id, 30_000)).toMatchObject({
          status: 'Completed',
          output: 4,
        });
      }
      await client.startOrchestration('multi-fan', 'FanOut', 40);
      expect(await client.waitForOrchestration('multi-fan', 30_000)).toMatchObject({ output: (40 * 41) / 2 });
      // Every history is intact: each activity scheduled once and completed once.
      for (const id of ids) {
        const types = (await clientSide.readHistory(id)).map((event) => event.type);
        expect(types.filter((t) => t === 'ActivityScheduled')).toHaveLength(4);
        expect(types.filter((t) => t === 'ActivityCompleted')).toHaveLength(4);
      }
    } finally {
      await Promise.all([runtimeA.shutdown(1000), runtimeB.shutdown(1000)]);
    }
    expect(await clientSide.getQueueDepths()).toEqual({
      orchestratorQueue: 0,
      workerQueue: 0,
      timerQueue: 0,
    });
  });
});
