/**
 * Held turns (held-turns.ts): an activity's result commits together with its orchestration's
 * next turn when the runtime kept the instance's lease for it, and messages for a held instance
 * still get through.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../helpers/runtime-harness.js';
import { operationLog, sequentialFixture } from './sequential-fixture.js';

/** Both built-in providers commit held turns: losing the capability must fail these tests. */
function expectHeldTurns(h: Harness): void {
  expect(typeof h.provider.ackHeldTurn).toBe('function');
}

describe('held turns', () => {
  it('commit each activity result with the next turn: no activity ack, no fetch between steps', async () => {
    // A long hold, so a slow machine never lets the lease lapse between the steps.
    const { h, ops, run } = await sequentialFixture({ instanceHoldMs: 30_000 });
    expectHeldTurns(h);
    expect((await run('seq', 5)).output).toBe(5);
    // Turn 1 (the start) is fetched; turns 2–6 each consume one activity result.
    expect(ops.count('ack_held_turn')).toBe(5);
    expect(ops.count('ack_work_item')).toBe(0);
    expect(ops.count('ack_orchestration_item_eager')).toBe(1);
    expect(await h.kinds('seq')).toEqual([
      'OrchestrationStarted',
      ...Array.from({ length: 5 }, () => ['ActivityScheduled', 'ActivityCompleted']).flat(),
      'OrchestrationCompleted',
    ]);
    await h.idle();
  });

  it('run the next activity on the slot that committed the turn: no idle slot is sent to the store', async () => {
    // Idle slots poll only once a minute here, so every fetch is a wake-up's. Waking another
    // slot for the lease the committing slot takes itself cost one empty fetch per step.
    const { h, ops, run } = await sequentialFixture({
      instanceHoldMs: 30_000,
      workerConcurrency: 4,
      dispatcherPollIntervalMs: 60_000,
    });
    expectHeldTurns(h);
    expect((await run('warm', 2)).output).toBe(2);
    const fetchesBefore = ops.count('fetch_work_item');
    expect((await run('seq', 20)).output).toBe(20);
    expect(ops.count('ack_held_turn')).toBe(2 + 20);
    // The first activity of 'seq' is handed to an idle slot; the 19 after it stay on their slot.
    expect(ops.count('fetch_work_item') - fetchesBefore).toBeLessThanOrEqual(2);
    await h.idle();
  });

  it('let an event through while the held activity runs: it waits at most instanceHoldMs', async () => {
    const h = await createHarness({ instanceHoldMs: 200 });
    expectHeldTurns(h);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    h.runtime.registerActivity('Slow', async () => {
      started();
      await released;
      return 'slow';
    });
    h.runtime.registerOrchestration('Either', function* (ctx) {
      const winner = yield ctx.race(ctx.scheduleActivity('Slow'), ctx.waitForEvent('go'));
      return winner.index === 0 ? 'activity' : 'event';
    });
    await h.runtime.start();
    await h.client.startOrchestration('either', 'Either', null);
    await running;
    await h.client.raiseEvent('either', 'go', 1);
    // The activity never ends on its own: only the event can finish the orchestration.
    const status = await h.client.waitForOrchestration('either', 10_000);
    expect(status.output).toBe('event');
    release();
    await h.idle();
  });

  it('fall back to the usual path when the activity outlives the hold', async () => {
    const ops = operationLog();
    const h = await createHarness({ observers: ops.observers, instanceHoldMs: 20 });
    expectHeldTurns(h);
    let calls = 0;
    h.runtime.registerActivity('Nap', async (ctx) => {
      calls++;
      // Outlives the 20 ms hold on any machine: wait for the clock to pass it, generously.
      const until = Date.now() + 150;
      while (Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return ctx.instanceId;
    });
    h.runtime.registerOrchestration('Two', function* (ctx) {
      const a = yield ctx.scheduleActivity('Nap');
      const b = yield ctx.scheduleActivity('Nap');
      return [a, b];
    });
    await h.runtime.start();
    await h.client.startOrchestration('two', 'Two', null);
    expect((await h.client.waitForOrchestration('two', 10_000)).output).toEqual(['two', 'two']);
    expect(calls).toBe(2);
    expect(ops.count('ack_held_turn')).toBe(0);
    expect(ops.count('ack_work_item')).toBe(2);
    await h.idle();
  });

  it('are off with instanceHoldMs 0', async () => {
    const { h, ops, run } = await sequentialFixture({ instanceHoldMs: 0 });
    expect((await run('seq0', 2)).output).toBe(2);
    expect(ops.count('ack_held_turn')).toBe(0);
    expect(ops.count('ack_work_item')).toBe(2);
    await h.idle();
  });

  it('rejects a negative instanceHoldMs', async () => {
    const h = await createHarness();
    expect(() => h.newRuntime({ instanceHoldMs: -1 })).toThrow(/instanceHoldMs/);
  });
});
