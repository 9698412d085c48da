import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { createHarness, recordActivityAcks } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

describe('durability across restarts and duplicate deliveries', () => {
  it('resumes after a runtime restart and runs each activity exactly once (scenario 4)', async () => {
    const h = await createHarness();
    const runs: string[] = [];
    const register = (rt: typeof h.runtime) => {
      rt.registerActivity('Step', async (_ctx, s: string) => {
        runs.push(s);
        return s;
      });
      rt.registerOrchestration('Resumable', function* (ctx) {
        let out = '';
        out += yield ctx.scheduleActivity('Step', '1');
        out += yield ctx.scheduleActivity('Step', '2');
        yield ctx.waitForEvent('Resume');
        out += yield ctx.scheduleActivity('Step', '3');
        out += yield ctx.scheduleActivity('Step', '4');
        return out;
      });
    };
    register(h.runtime);
    await h.runtime.start();
    await h.client.startOrchestration('r', 'Resumable');
    await eventually(async () => (await h.kinds('r')).includes('ExternalSubscribed'));
    await h.runtime.shutdown(500);

    const second = h.newRuntime();
    register(second);
    await second.start();
    await h.client.raiseEvent('r', 'Resume');
    expect(await h.client.waitForOrchestration('r', 10_000)).toMatchObject({
      status: 'Completed',
      output: '1234',
    });
    const scheduled = (await h.history('r')).filter((e) => e.type === 'ActivityScheduled');
    expect(scheduled.map((e) => (e as { input: string }).input)).toEqual(['"1"', '"2"', '"3"', '"4"']);
    expect(runs).toEqual(['1', '2', '3', '4']);
  });

  it('fires a durable timer after a restart (scenario 8)', async () => {
    const clock = new VirtualClock(Date.now());
    const h = await createHarness({ clock });
    const register = (rt: typeof h.runtime) =>
      rt.registerOrchestration('Sleeper', function* (ctx) {
        yield ctx.scheduleTimer(300);
        return 'woke';
      });
    register(h.runtime);
    await h.runtime.start();
    await h.client.startOrchestration('t', 'Sleeper');
    await eventually(async () => (await h.kinds('t')).includes('TimerCreated'));
    await h.runtime.shutdown(100);
    const second = h.newRuntime();
    register(second);
    await second.start();
    // The timer comes due while the second runtime runs.
    clock.advanceBy(300);
    expect(await h.client.waitForOrchestration('t', 10_000)).toMatchObject({ output: 'woke' });
    const history = await h.history('t');
    const created = history.find((e) => e.type === 'TimerCreated') as { fire_at_ms: number };
    const fired = history.find((e) => e.type === 'TimerFired') as { timestamp_ms: number };
    expect(fired.timestamp_ms).toBeGreaterThanOrEqual(created.fire_at_ms);
  });

  it('records a duplicated TimerFired and ActivityCompleted only once (scenarios 6, 7)', async () => {
    const h = await createHarness();
    const acks = recordActivityAcks(h.provider);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    h.runtime.registerActivity('Slow', async () => {
      await gate;
      return 'slow';
    });
    h.runtime.registerOrchestration('Dups', function* (ctx) {
      yield ctx.scheduleTimer(50);
      return yield ctx.scheduleActivity('Slow');
    });
    await h.runtime.start();
    await h.client.startOrchestration('d', 'Dups');
    await eventually(async () => (await h.kinds('d')).includes('ActivityScheduled'));
    const history = await h.history('d');
    const timer = history.find((e) => e.type === 'TimerCreated')!;
    const activity = history.find((e) => e.type === 'ActivityScheduled')!;
    await h.provider.enqueueOrchestratorWork({
      type: 'TimerFired',
      instance: 'd',
      execution_id: 1,
      id: timer.event_id,
      fire_at_ms: 0,
    });
    await h.provider.enqueueOrchestratorWork({
      type: 'ActivityCompleted',
      instance: 'd',
      execution_id: 1,
      id: activity.event_id,
      result: '"dup"',
    });
    await h.provider.enqueueOrchestratorWork({
      type: 'ActivityCompleted',
      instance: 'd',
      execution_id: 1,
      id: activity.event_id,
      result: '"dup2"',
    });
    const status = await h.client.waitForOrchestration('d', 10_000);
    release();
    expect(status).toMatchObject({ status: 'Completed', output: 'dup' });
    // The real activity's late result, then anything it set off, runs its course.
    await eventually(() => acks.length > 0, 'the released activity to hand in its result');
    await h.idle();
    const kinds = await h.kinds('d');
    expect(kinds.filter((k) => k === 'TimerFired')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'ActivityCompleted')).toHaveLength(1);
  });

  it('renews the lease of a long activity so it runs exactly once (scenario 56)', async () => {
    const h = await createHarness({ workerLockTimeoutMs: 400 });
    let runs = 0;
    h.runtime.registerActivity('Long', async () => {
      runs += 1;
      // Wall time on purpose: lease renewal is paced by the wall clock, and only an activity
      // that outlives several 400 ms leases in real time shows that renewal keeps it.
      await new Promise((r) => setTimeout(r, 1500));
      return 'long';
    });
    h.runtime.registerOrchestration('LongRun', function* (ctx) {
      return yield ctx.scheduleActivity('Long');
    });
    await h.runtime.start();
    await h.client.startOrchestration('l', 'LongRun');
    expect(await h.client.waitForOrchestration('l', 10_000)).toMatchObject({ output: 'long' });
    expect(runs).toBe(1);
  });

  it('retries an unregistered orchestration with backoff and then poisons it', async () => {
    const h = await createHarness({
      maxAttempts: 3,
      unregisteredBackoff: { baseDelayMs: 10, maxDelayMs: 20 },
    });
    await h.runtime.start();
    await h.client.startOrchestration('ghost', 'NotRegistered');
    const status = await h.client.waitForOrchestration('ghost', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ category: 'poison', attempt_count: 4, max_attempts: 3 });
    expect(await h.kinds('ghost')).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
  });

  it('shuts down promptly when idle', async () => {
    const h = await createHarness({ dispatcherPollIntervalMs: 5_000 });
    await h.runtime.start();
    const t0 = Date.now();
    await h.runtime.shutdown(5_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});

describe('transient store errors', () => {
  it('retries retryable provider failures of fetches and acks without failing the orchestration', async () => {
    const { ProviderError, Runtime, Client } = await import('../../../src/index.js');
    const h = await createHarness();
    let failures = 0;
    // Every third fetch or ack fails once with a retryable error, as a dropped connection would.
    const flaky = new Proxy(h.provider, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const name = String(prop);
        const flakyOp = /^(fetch|ack)(Orchestration|Work)Item$/.test(name);
        return (...args: unknown[]) => {
          if (flakyOp && Math.random() < 0.3) {
            failures++;
            return Promise.reject(new ProviderError(name, 'connection reset', true));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const runtime = new Runtime(flaky, { dispatcherPollIntervalMs: 20, logLevel: 'off' });
    runtime.registerActivity('Add', async (_ctx, n: number) => n + 1);
    runtime.registerOrchestration('Chain', function* (ctx) {
      let n = 0;
      for (let i = 0; i < 10; i++) n = yield ctx.scheduleActivity('Add', n);
      return n;
    });
    await runtime.start();
    try {
      const client = new Client(h.provider);
      await client.startOrchestration('flaky', 'Chain');
      expect(await client.waitForOrchestration('flaky', 20_000)).toMatchObject({
        status: 'Completed',
        output: 10,
      });
      expect(failures).toBeGreaterThan(0);
      expect(runtime.metricsSnapshot().providerErrors).toBeGreaterThan(0);
    } finally {
      await runtime.shutdown(500);
    }
  });
});
