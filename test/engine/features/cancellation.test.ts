/**
 * Cancellation through the real runtime on a SQLite file: race losers, client cancellation of
 * parents and children, cooperative and non-cooperative activities (duroxide-core §10.2, 12–22).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { createHarness, recordActivityAcks, untilCancelled } from '../../helpers/runtime-harness.js';
import type { ActivityAck } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

/** The activity results the store took. */
function acceptedResults(acks: ActivityAck[]): ActivityAck[] {
  return acks.filter((ack) => ack.accepted && ack.completion !== null);
}

/** [event_id, type, source_event_id] triples: compact exact-history assertions. */
async function shape(h: Awaited<ReturnType<typeof createHarness>>, id: string, exec?: number) {
  return (await h.history(id, exec)).map((e) => [e.event_id, e.type, e.source_event_id]);
}

describe('cancellation (file SQLite)', () => {
  it('12: a race-losing activity gets ActivityCancelRequested{dropped_future} and sees isCancelled()', async () => {
    // Short lease: renewal every 300 ms is when the withdrawn activity learns it lost.
    const clock = new VirtualClock(Date.now());
    const h = await createHarness({ workerLockTimeoutMs: 600, clock });
    const acks = recordActivityAcks(h.provider);
    let started = false;
    let observed: boolean | null = null;
    let completedBody = false;
    h.runtime.registerActivity('Slow', async (ctx) => {
      started = true;
      observed = await untilCancelled(ctx, 5000);
      completedBody = true;
      return 'too late';
    });
    h.runtime.registerOrchestration('RaceTimer', function* (ctx) {
      return yield ctx.race(ctx.scheduleActivity('Slow'), ctx.scheduleTimer(150));
    });
    await h.runtime.start();
    await h.client.startOrchestration('c12', 'RaceTimer');
    // The timer must not fire before the activity started, or there is nothing to observe.
    await eventually(() => started, 'the activity to start');
    clock.advanceBy(150);
    const status = await h.client.waitForOrchestration('c12', 10_000);
    expect(status).toMatchObject({ status: 'Completed', output: { index: 1, value: null } });
    expect(await shape(h, 'c12')).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'ActivityScheduled', undefined],
      [3, 'TimerCreated', undefined],
      [4, 'TimerFired', 3],
      [5, 'ActivityCancelRequested', 2],
      [6, 'OrchestrationCompleted', undefined],
    ]);
    const history = await h.history('c12');
    expect(history[4]).toMatchObject({ type: 'ActivityCancelRequested', reason: 'dropped_future' });
    expect(started).toBe(true);
    await eventually(() => completedBody, 5000);
    expect(observed).toBe(true);
    // The discarded result never reaches history: the runtime hands the activity in, the store
    // takes no result, and once the store is idle history has no completion.
    await eventually(() => acks.length > 0, 'the runtime to hand in the withdrawn activity');
    expect(acceptedResults(acks)).toEqual([]);
    await h.idle();
    expect((await h.kinds('c12')).filter((k) => k === 'ActivityCompleted')).toHaveLength(0);
  });

  it('13: an activity that wins a race against a timer records no breadcrumb for the timer', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Fast', async (_ctx, n: number) => n + 1);
    h.runtime.registerOrchestration('RaceFast', function* (ctx) {
      return yield ctx.race(ctx.scheduleActivity('Fast', 41), ctx.scheduleTimer(60_000));
    });
    await h.runtime.start();
    await h.client.startOrchestration('c13', 'RaceFast');
    expect(await h.client.waitForOrchestration('c13', 10_000)).toMatchObject({
      status: 'Completed',
      output: { index: 0, value: 42 },
    });
    expect(await shape(h, 'c13')).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'ActivityScheduled', undefined],
      [3, 'TimerCreated', undefined],
      [4, 'ActivityCompleted', 2],
      [5, 'OrchestrationCompleted', undefined],
    ]);
  });

  it('14: a race of two waits picks the event raised first, and replays to the same winner', async () => {
    // No cache: every turn replays the race from history.
    const h = await createHarness({ orchestrationCacheSize: 0 });
    const winners: number[] = [];
    h.runtime.registerOrchestration('RaceWaits', function* (ctx) {
      const r = yield ctx.race(ctx.waitForEvent('A'), ctx.waitForEvent('B'));
      winners.push(r.index as number);
      yield ctx.waitForEvent('Go');
      return r;
    });
    await h.runtime.start();
    await h.client.startOrchestration('c14', 'RaceWaits');
    await eventually(
      async () => (await h.kinds('c14')).filter((k) => k === 'ExternalSubscribed').length === 2,
    );
    await h.client.raiseEvent('c14', 'B', 'b-data');
    await eventually(async () => (await h.kinds('c14')).includes('ExternalEvent'));
    await h.client.raiseEvent('c14', 'A', 'a-data');
    await eventually(async () => (await h.kinds('c14')).filter((k) => k === 'ExternalEvent').length === 2);
    await h.client.raiseEvent('c14', 'Go');
    expect(await h.client.waitForOrchestration('c14', 10_000)).toMatchObject({
      status: 'Completed',
      output: { index: 1, value: 'b-data' },
    });
    // Turns: B arrives (live), A arrives (replay), Go arrives (replay): always B.
    expect(winners.length).toBeGreaterThanOrEqual(3);
    expect(new Set(winners)).toEqual(new Set([1]));
    const history = await h.history('c14');
    expect(history.find((e) => e.type === 'ExternalSubscribedCancelled')).toMatchObject({
      source_event_id: 2,
      reason: 'dropped_future',
    });
  });

  it('15: cancelling a parent that awaits a child cancels both', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Child', function* (ctx) {
      return yield ctx.waitForEvent('never');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      return yield ctx.scheduleSubOrchestration('Child');
    });
    await h.runtime.start();
    await h.client.startOrchestration('P', 'Parent');
    await eventually(async () => (await h.kinds('P::sub::2')).includes('ExternalSubscribed'));
    await h.client.cancelInstance('P', 'by_test');

    const parent = await h.client.waitForOrchestration('P', 10_000);
    expect(parent.status).toBe('Failed');
    expect(parent.error).toBe('canceled: by_test');
    expect(parent.failureDetails).toMatchObject({
      category: 'application',
      kind: 'Cancelled',
      reason: 'by_test',
    });
    const parentHistory = await h.history('P');
    expect(parentHistory.map((e) => e.type)).toEqual([
      'OrchestrationStarted',
      'SubOrchestrationScheduled',
      'OrchestrationCancelRequested',
      'SubOrchestrationCancelRequested',
      'OrchestrationFailed',
    ]);
    expect(parentHistory[2]).toMatchObject({ reason: 'by_test' });
    expect(parentHistory[3]).toMatchObject({ source_event_id: 2, reason: 'parent canceled' });

    const child = await h.client.waitForOrchestration('P::sub::2', 10_000);
    expect(child.status).toBe('Failed');
    expect(child.failureDetails).toMatchObject({ kind: 'Cancelled', reason: 'parent canceled' });
    const childHistory = await h.history('P::sub::2');
    expect(childHistory.map((e) => e.type)).toEqual([
      'OrchestrationStarted',
      'ExternalSubscribed',
      'OrchestrationCancelRequested',
      'ExternalSubscribedCancelled',
      'OrchestrationFailed',
    ]);
    expect(childHistory[2]).toMatchObject({ reason: 'parent canceled' });
    // The parent is terminal already: the child's failure notice changes nothing there.
    await h.idle();
    expect(await h.history('P')).toHaveLength(5);
  });

  it('16: cancelling a child directly makes the parent await throw "canceled: …"', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Child', function* (ctx) {
      return yield ctx.waitForEvent('never');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      try {
        return yield ctx.scheduleSubOrchestration('Child');
      } catch (err) {
        return `caught: ${(err as Error).message}`;
      }
    });
    await h.runtime.start();
    await h.client.startOrchestration('P16', 'Parent');
    await eventually(async () => (await h.kinds('P16::sub::2')).includes('ExternalSubscribed'));
    await h.client.cancelInstance('P16::sub::2', 'manual stop');
    expect(await h.client.waitForOrchestration('P16', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'caught: canceled: manual stop',
    });
    expect(await shape(h, 'P16')).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'SubOrchestrationScheduled', undefined],
      [3, 'SubOrchestrationFailed', 2],
      [4, 'OrchestrationCompleted', undefined],
    ]);
    const failed = (await h.history('P16'))[2];
    expect(failed).toMatchObject({
      details: { category: 'application', kind: 'Cancelled', reason: 'manual stop' },
    });
    expect(await h.client.getStatus('P16::sub::2')).toMatchObject({
      status: 'Failed',
      error: 'canceled: manual stop',
    });
  });

  it('17: cancelling a completed instance changes nothing', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Done', function* (ctx) {
      yield ctx.scheduleTimer(1);
      return 'finished';
    });
    await h.runtime.start();
    await h.client.startOrchestration('c17', 'Done');
    expect(await h.client.waitForOrchestration('c17', 10_000)).toMatchObject({ status: 'Completed' });
    const before = await h.history('c17');
    await h.client.cancelInstance('c17', 'too late');
    await h.idle();
    expect(await h.client.getStatus('c17')).toMatchObject({ status: 'Completed', output: 'finished' });
    expect(await h.history('c17')).toEqual(before);
  });

  it('18: start then cancel before any runtime runs ends Failed Cancelled, never Completed', async () => {
    const h = await createHarness();
    let ran = 0;
    h.runtime.registerActivity('Work', async () => ++ran);
    h.runtime.registerOrchestration('Immediate', function* () {
      return 'completed?';
    });
    h.runtime.registerOrchestration('WithWork', function* (ctx) {
      return yield ctx.scheduleActivity('Work');
    });
    await h.client.startOrchestration('c18', 'Immediate');
    await h.client.cancelInstance('c18', 'early');
    await h.client.startOrchestration('c18b', 'WithWork');
    await h.client.cancelInstance('c18b', 'early');
    await h.runtime.start();
    for (const id of ['c18', 'c18b']) {
      const status = await h.client.waitForOrchestration(id, 10_000);
      expect(status.status).toBe('Failed');
      expect(status.error).toBe('canceled: early');
      expect(status.failureDetails).toMatchObject({ category: 'application', kind: 'Cancelled' });
      const kinds = await h.kinds(id);
      expect(kinds).not.toContain('OrchestrationCompleted');
      expect(kinds).toContain('OrchestrationCancelRequested');
      expect(kinds.at(-1)).toBe('OrchestrationFailed');
    }
    await h.idle();
    expect(ran).toBe(0);
  });

  it('19: cancelling an id that never existed resolves and creates nothing', async () => {
    const h = await createHarness();
    await h.runtime.start();
    await expect(h.client.cancelInstance('no-such-instance', 'x')).resolves.toBeUndefined();
    await h.idle();
    expect(await h.client.getStatus('no-such-instance')).toMatchObject({ status: 'NotFound' });
    expect(await h.history('no-such-instance')).toEqual([]);
  });

  it('20: a cooperative activity observes cancellation, its result is discarded', async () => {
    const h = await createHarness({ workerLockTimeoutMs: 600 });
    const acks = recordActivityAcks(h.provider);
    let started = false;
    let observedAt = 0;
    let returned = false;
    h.runtime.registerActivity('Cooperative', async (ctx) => {
      started = true;
      if (await untilCancelled(ctx, 10_000)) observedAt = Date.now();
      returned = true;
      return 'result after cancel';
    });
    h.runtime.registerOrchestration('Long', function* (ctx) {
      return yield ctx.scheduleActivity('Cooperative');
    });
    await h.runtime.start();
    await h.client.startOrchestration('c20', 'Long');
    await eventually(() => started);
    const cancelledAt = Date.now();
    await h.client.cancelInstance('c20', 'stop it');
    expect(await h.client.waitForOrchestration('c20', 10_000)).toMatchObject({
      status: 'Failed',
      error: 'canceled: stop it',
    });
    await eventually(() => returned, 5000);
    // Within about one renewal interval (300 ms) of the cancellation, plus turn latency.
    expect(observedAt).toBeGreaterThan(0);
    expect(observedAt - cancelledAt).toBeLessThan(2000);
    await eventually(() => acks.length > 0, 'the runtime to hand in the cancelled activity');
    expect(acceptedResults(acks)).toEqual([]);
    await h.idle();
    expect(await shape(h, 'c20')).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'ActivityScheduled', undefined],
      [3, 'OrchestrationCancelRequested', undefined],
      [4, 'ActivityCancelRequested', 2],
      [5, 'OrchestrationFailed', undefined],
    ]);
    expect((await h.history('c20'))[3]).toMatchObject({ reason: 'orchestration_terminal_failed' });
  });

  it('21: a non-cooperative activity is abandoned after the grace period and frees its slot', async () => {
    const h = await createHarness({
      workerConcurrency: 1,
      workerLockTimeoutMs: 600,
      activityCancellationGracePeriodMs: 300,
    });
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    let stubbornStarted = false;
    let stubbornFinished = false;
    let quickRanAt = 0;
    h.runtime.registerActivity('Stubborn', async () => {
      stubbornStarted = true;
      await stuck; // ignores ctx.isCancelled()
      stubbornFinished = true;
      return 'stubborn';
    });
    h.runtime.registerActivity('Quick', async () => {
      quickRanAt = Date.now();
      return 'quick';
    });
    h.runtime.registerOrchestration('RunOne', function* (ctx, name: string) {
      return yield ctx.scheduleActivity(name);
    });
    try {
      await h.runtime.start();
      await h.client.startOrchestration('c21a', 'RunOne', 'Stubborn');
      await eventually(() => stubbornStarted);
      await h.client.startOrchestration('c21b', 'RunOne', 'Quick');
      await eventually(async () => (await h.kinds('c21b')).includes('ActivityScheduled'));
      expect(quickRanAt).toBe(0); // queued, but the only slot is busy (the timing below proves it)
      const cancelledAt = Date.now();
      await h.client.cancelInstance('c21a', 'abort');
      expect(await h.client.waitForOrchestration('c21b', 10_000)).toMatchObject({
        status: 'Completed',
        output: 'quick',
      });
      // Renewal (≤ 300 ms) + grace (300 ms) before the slot is free; the body never finished.
      expect(quickRanAt - cancelledAt).toBeGreaterThanOrEqual(250);
      expect(stubbornFinished).toBe(false);
      expect(await h.client.getStatus('c21a')).toMatchObject({ status: 'Failed', error: 'canceled: abort' });
      const kinds = await h.kinds('c21a');
      expect(kinds).not.toContain('ActivityCompleted');
      expect(kinds).not.toContain('ActivityFailed');
    } finally {
      release();
    }
  });

  it('22: a sub-orchestration losing a race is cancelled and ends failed-cancelled', async () => {
    const clock = new VirtualClock(Date.now());
    const h = await createHarness({ clock });
    h.runtime.registerOrchestration('Child', function* (ctx) {
      return yield ctx.waitForEvent('never');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      return yield ctx.race(ctx.scheduleSubOrchestration('Child'), ctx.scheduleTimer(100));
    });
    await h.runtime.start();
    await h.client.startOrchestration('P22', 'Parent');
    await eventually(async () => (await h.kinds('P22')).includes('TimerCreated'));
    clock.advanceBy(100);
    expect(await h.client.waitForOrchestration('P22', 10_000)).toMatchObject({
      status: 'Completed',
      output: { index: 1, value: null },
    });
    expect(await shape(h, 'P22')).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'SubOrchestrationScheduled', undefined],
      [3, 'TimerCreated', undefined],
      [4, 'TimerFired', 3],
      [5, 'SubOrchestrationCancelRequested', 2],
      [6, 'OrchestrationCompleted', undefined],
    ]);
    expect((await h.history('P22'))[4]).toMatchObject({ reason: 'dropped_future' });
    const child = await h.client.waitForOrchestration('P22::sub::2', 10_000);
    expect(child.status).toBe('Failed');
    expect(child.failureDetails).toMatchObject({
      category: 'application',
      kind: 'Cancelled',
      reason: 'parent dropped sub-orchestration future',
    });
    expect(await h.kinds('P22::sub::2')).toContain('OrchestrationCancelRequested');
    // The parent already completed: the child's failure notice is dropped.
    await h.idle();
    expect(await h.history('P22')).toHaveLength(6);
  });
});
