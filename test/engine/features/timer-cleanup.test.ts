/**
 * Timers that lost a race leave with their instance: once every instance has ended, the timer
 * queue is empty (it used to keep one message per lost race until its due time).
 */
import { describe, expect, it } from 'vitest';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';
import type { Harness } from '../../helpers/runtime-harness.js';

const DAY_MS = 86_400_000;

function registerApproval(h: Harness): void {
  h.runtime.registerOrchestration('Approval', function* (ctx) {
    const winner: { index: number; value: unknown } = yield ctx.race(
      ctx.waitForEvent('approve'),
      ctx.scheduleTimer(DAY_MS),
    );
    return winner.index === 0 ? 'approved' : 'timed out';
  });
}

async function expectNothingPending(h: Harness): Promise<void> {
  expect(await h.client.getQueueDepths()).toEqual({ orchestratorQueue: 0, workerQueue: 0, timerQueue: 0 });
  expect(await h.client.getSystemMetrics()).toMatchObject({ runningInstances: 0 });
}

describe(`timers that lost a race are cleaned up (${TEST_PROVIDER})`, () => {
  it('an event that beats a one-day timer leaves no timer behind', async () => {
    const h = await createHarness();
    registerApproval(h);
    await h.runtime.start();
    const ids = ['race-1', 'race-2', 'race-3'];
    for (const id of ids) await h.client.startOrchestration(id, 'Approval');
    for (const id of ids) await eventually(async () => (await h.kinds(id)).includes('TimerCreated'));
    expect((await h.client.getQueueDepths()).timerQueue).toBe(3);

    for (const id of ids) await h.client.raiseEvent(id, 'approve', { by: 'ann' });
    for (const id of ids) {
      expect(await h.client.waitForOrchestration(id, 10_000)).toMatchObject({
        status: 'Completed',
        output: 'approved',
      });
    }
    // The ack that completed each instance removed its timer in the same transaction.
    await expectNothingPending(h);
  });

  it('a race decided within one turn sends no timer at all', async () => {
    const h = await createHarness();
    registerApproval(h);
    // The event is queued before any worker runs: the first turn subscribes, schedules the
    // timer, receives the event and completes, all at once.
    await h.client.startOrchestration('race-now', 'Approval');
    await h.client.raiseEvent('race-now', 'approve', null);
    await h.runtime.start();
    expect(await h.client.waitForOrchestration('race-now', 10_000)).toMatchObject({ output: 'approved' });
    expect(await h.kinds('race-now')).toEqual([
      'OrchestrationStarted',
      'ExternalSubscribed',
      'TimerCreated',
      'ExternalEvent',
      'OrchestrationCompleted',
    ]);
    await expectNothingPending(h);
  });

  it("continue-as-new leaves the old execution's timer behind, not the new one's", async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Cycle', function* (ctx, round: number) {
      yield ctx.race(ctx.waitForEvent('next'), ctx.scheduleTimer(DAY_MS));
      if (round < 2) return yield ctx.continueAsNew(round + 1);
      return round;
    });
    await h.runtime.start();
    await h.client.startOrchestration('cycle', 'Cycle', 1);
    await eventually(async () => (await h.kinds('cycle')).includes('TimerCreated'));
    await h.client.raiseEvent('cycle', 'next');
    // Execution 2 waits with its own timer; execution 1's is gone.
    await eventually(async () => (await h.kinds('cycle', 2)).includes('TimerCreated'));
    expect((await h.client.getQueueDepths()).timerQueue).toBe(1);
    await h.client.raiseEvent('cycle', 'next');
    expect(await h.client.waitForOrchestration('cycle', 10_000)).toMatchObject({
      status: 'Completed',
      output: 2,
    });
    await expectNothingPending(h);
  });
});
