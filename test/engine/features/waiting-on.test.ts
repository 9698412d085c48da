/**
 * `waitingOn` of `client.getStatus` and `client.getInstanceInfo` for a running instance, through
 * the real runtime on a SQLite file (and on PostgreSQL in the engine-on-postgres project).
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';
import type { Harness } from '../../helpers/runtime-harness.js';
import type { WaitingOn } from '../../../src/index.js';

const NOTHING: WaitingOn = { activities: [], timers: [], events: [], queues: [], children: [] };

/** Whether `actual` matches `expected` (asymmetric matchers such as `expect.any(Number)` allowed). */
function matches(actual: unknown, expected: unknown): boolean {
  try {
    expect(actual).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the instance's status reports `expected` as what it waits on, and returns it. */
async function waitingOnBecomes(h: Harness, id: string, expected: Partial<WaitingOn>): Promise<WaitingOn> {
  const want = { ...NOTHING, ...expected };
  let last: WaitingOn | undefined;
  await eventually(
    async () => {
      last = (await h.client.getStatus(id)).waitingOn;
      return matches(last, want);
    },
    { what: () => `${id} to wait on ${JSON.stringify(want)} (last: ${JSON.stringify(last)})` },
  );
  // The management view says the same.
  expect((await h.client.getInstanceInfo(id)).waitingOn).toEqual(want);
  return last!;
}

/** A gate an activity waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('waitingOn of a running instance', () => {
  it('an activity wait: name, attempt, scheduled time, tag; a retry is attempt 2', async () => {
    const h = await createHarness({ workerTagFilter: { defaultAnd: ['gpu'] } });
    const release = gate();
    let calls = 0;
    h.runtime.registerActivity('Render', async () => {
      calls++;
      if (calls === 1) throw new Error('first attempt fails');
      await release.wait;
      return 'rendered';
    });
    h.runtime.registerOrchestration('RenderJob', function* (ctx) {
      return yield ctx
        .scheduleActivityWithRetry('Render', 'frame-1', { maxAttempts: 3, backoff: 'none' })
        .withTag('gpu');
    });
    await h.client.startOrchestration('w-activity', 'RenderJob');
    // Before a worker ran its first turn the instance is Pending and waits on nothing recorded.
    expect(await h.client.getStatus('w-activity')).toMatchObject({ status: 'Pending', waitingOn: NOTHING });
    const before = Date.now();
    await h.runtime.start();
    const waiting = await waitingOnBecomes(h, 'w-activity', {
      activities: [{ name: 'Render', attempt: 2, scheduledAtMs: expect.any(Number), tag: 'gpu' }],
    });
    expect(waiting.activities[0]!.scheduledAtMs).toBeGreaterThanOrEqual(before - 1000);
    release.open();
    expect(await h.client.waitForOrchestration('w-activity', 10_000)).toMatchObject({ status: 'Completed' });
    // Terminal: no waitingOn at all.
    expect((await h.client.getStatus('w-activity')).waitingOn).toBeUndefined();
    expect((await h.client.getInstanceInfo('w-activity')).waitingOn).toBeUndefined();
  });

  it('a timer wait: its fire time', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Nap', function* (ctx) {
      yield ctx.scheduleTimer(3_600_000);
      return 'rested';
    });
    await h.runtime.start();
    const before = Date.now();
    await h.client.startOrchestration('w-timer', 'Nap');
    await eventually(async () => (await h.kinds('w-timer')).includes('TimerCreated'));
    const created = (await h.history('w-timer')).find((e) => e.type === 'TimerCreated')!;
    const fireAtMs = (created as { fire_at_ms: number }).fire_at_ms;
    expect(fireAtMs).toBeGreaterThanOrEqual(before + 3_600_000);
    await waitingOnBecomes(h, 'w-timer', { timers: [{ fireAtMs }] });
  });

  it('an event wait and then a queue (dequeue) wait: their names', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Approval', function* (ctx) {
      const approved: unknown = yield ctx.waitForEvent('approve');
      const message: unknown = yield ctx.dequeueEvent('inbox');
      return { approved, message };
    });
    await h.runtime.start();
    await h.client.startOrchestration('w-event', 'Approval');
    await waitingOnBecomes(h, 'w-event', { events: ['approve'] });
    await h.client.raiseEvent('w-event', 'approve', true);
    await waitingOnBecomes(h, 'w-event', { queues: ['inbox'] });
    await h.client.enqueueEvent('w-event', 'inbox', 'hello');
    expect(await h.client.waitForOrchestration('w-event', 10_000)).toMatchObject({
      status: 'Completed',
      output: { approved: true, message: 'hello' },
    });
    expect((await h.client.getStatus('w-event')).waitingOn).toBeUndefined();
  });

  it('a child wait: the sub-orchestration instance id (which itself waits on its event)', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Child', function* (ctx) {
      return yield ctx.waitForEvent('finish');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      return yield ctx.scheduleSubOrchestrationWithId('Child', 'w-child-1', null);
    });
    await h.runtime.start();
    await h.client.startOrchestration('w-parent', 'Parent');
    await waitingOnBecomes(h, 'w-parent', { children: ['w-child-1'] });
    await waitingOnBecomes(h, 'w-child-1', { events: ['finish'] });
    await h.client.raiseEvent('w-child-1', 'finish', 'ok');
    expect(await h.client.waitForOrchestration('w-parent', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'ok',
    });
  });
});
