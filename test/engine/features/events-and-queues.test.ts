/**
 * Positional external events and FIFO queue events through the real runtime on a SQLite file
 * (duroxide-core §1.6, §10.2 scenarios 23–32).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';
import type { Harness } from '../../helpers/runtime-harness.js';

async function countKind(h: Harness, id: string, kind: string, exec?: number): Promise<number> {
  return (await h.kinds(id, exec)).filter((k) => k === kind).length;
}

describe('external events (file SQLite)', () => {
  it('23: the same event raised twice is recorded twice; the wait receives the first', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('WaitOnce', function* (ctx) {
      const v = yield ctx.waitForEvent('Evt');
      yield ctx.waitForEvent('Done');
      return v;
    });
    await h.runtime.start();
    await h.client.startOrchestration('e23', 'WaitOnce');
    await eventually(async () => (await h.kinds('e23')).includes('ExternalSubscribed'));
    await h.client.raiseEvent('e23', 'Evt', { n: 1 });
    await h.client.raiseEvent('e23', 'Evt', { n: 1 });
    await eventually(async () => (await countKind(h, 'e23', 'ExternalEvent')) === 2);
    await h.client.raiseEvent('e23', 'Done');
    expect(await h.client.waitForOrchestration('e23', 10_000)).toMatchObject({
      status: 'Completed',
      output: { n: 1 },
    });
    const events = (await h.history('e23')).filter((e) => e.type === 'ExternalEvent');
    expect(events.map((e) => [e.name, e.data, e.source_event_id])).toEqual([
      ['Evt', '{"n":1}', undefined],
      ['Evt', '{"n":1}', undefined],
      ['Done', 'null', undefined],
    ]);
  });

  it('24: an event raised before its subscription is recorded but never delivered', async () => {
    // Virtual time: the early event is recorded before the timer fires however slow the machine.
    const clock = new VirtualClock(Date.now());
    const h = await createHarness({ clock });
    h.runtime.registerOrchestration('LateSubscriber', function* (ctx) {
      yield ctx.scheduleTimer(500);
      return yield ctx.waitForEvent('X');
    });
    await h.runtime.start();
    await h.client.startOrchestration('e24', 'LateSubscriber');
    await eventually(async () => (await h.kinds('e24')).includes('TimerCreated'));
    await h.client.raiseEvent('e24', 'X', 'early');
    await eventually(async () => (await h.kinds('e24')).includes('ExternalEvent'));
    clock.advanceBy(500);
    await eventually(async () => (await h.kinds('e24')).includes('ExternalSubscribed'));
    await h.client.raiseEvent('e24', 'X', 'late');
    expect(await h.client.waitForOrchestration('e24', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'late',
    });
    expect((await h.history('e24')).map((e) => [e.type, 'data' in e ? e.data : undefined])).toEqual([
      ['OrchestrationStarted', undefined],
      ['TimerCreated', undefined],
      ['ExternalEvent', '"early"'],
      ['TimerFired', undefined],
      ['ExternalSubscribed', undefined],
      ['ExternalEvent', '"late"'],
      ['OrchestrationCompleted', undefined],
    ]);
  });

  it('25: an event raised at a completed instance leaves history unchanged', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Quick', function* () {
      return 'done';
    });
    await h.runtime.start();
    await h.client.startOrchestration('e25', 'Quick');
    expect(await h.client.waitForOrchestration('e25', 10_000)).toMatchObject({ status: 'Completed' });
    const before = await h.history('e25');
    await h.client.raiseEvent('e25', 'X', 'ignored');
    await h.client.enqueueEvent('e25', 'inbox', 'ignored');
    await h.idle();
    expect(await h.history('e25')).toEqual(before);
    expect(await h.client.getStatus('e25')).toMatchObject({ status: 'Completed', output: 'done' });
  });

  it('26: two sequential waits receive two raises in order', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('TwoWaits', function* (ctx) {
      const first = yield ctx.waitForEvent('X');
      const second = yield ctx.waitForEvent('X');
      return [first, second];
    });
    await h.runtime.start();
    await h.client.startOrchestration('e26', 'TwoWaits');
    await eventually(async () => (await h.kinds('e26')).includes('ExternalSubscribed'));
    await h.client.raiseEvent('e26', 'X', 'x1');
    await h.client.raiseEvent('e26', 'X', 'x2');
    expect(await h.client.waitForOrchestration('e26', 10_000)).toMatchObject({
      status: 'Completed',
      output: ['x1', 'x2'],
    });
    expect(await countKind(h, 'e26', 'ExternalSubscribed')).toBe(2);
  });

  it('27: a wait that lost a race does not steal the next event from a later wait', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('LoserWait', function* (ctx) {
      const r = yield ctx.race(ctx.waitForEvent('X'), ctx.scheduleTimer(30));
      const v = yield ctx.waitForEvent('X');
      return { first: r.index, v };
    });
    await h.runtime.start();
    await h.client.startOrchestration('e27', 'LoserWait');
    await eventually(async () => (await countKind(h, 'e27', 'ExternalSubscribed')) === 2);
    await h.client.raiseEvent('e27', 'X', 'only');
    expect(await h.client.waitForOrchestration('e27', 10_000)).toMatchObject({
      status: 'Completed',
      output: { first: 1, v: 'only' },
    });
    const cancelled = (await h.history('e27')).find((e) => e.type === 'ExternalSubscribedCancelled');
    expect(cancelled).toMatchObject({ source_event_id: 2, reason: 'dropped_future' });
  });
});

describe('queue events (file SQLite)', () => {
  it('28: a message enqueued before any dequeue is buffered and returned later', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Inbox', function* (ctx) {
      yield ctx.waitForEvent('go');
      return yield ctx.dequeueEvent('inbox');
    });
    await h.runtime.start();
    await h.client.startOrchestration('q28', 'Inbox');
    await eventually(async () => (await h.kinds('q28')).includes('ExternalSubscribed'));
    await h.client.enqueueEvent('q28', 'inbox', 'm1');
    await eventually(async () => (await h.kinds('q28')).includes('QueueEventDelivered'));
    await h.client.raiseEvent('q28', 'go');
    expect(await h.client.waitForOrchestration('q28', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'm1',
    });
    expect(await h.kinds('q28')).toEqual([
      'OrchestrationStarted',
      'ExternalSubscribed',
      'QueueEventDelivered',
      'ExternalEvent',
      'QueueSubscribed',
      'OrchestrationCompleted',
    ]);
  });

  it('29: a message enqueued before the instance exists is dropped as an orphan', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Inbox', function* (ctx) {
      return yield ctx.dequeueEvent('inbox');
    });
    await h.runtime.start();
    await h.client.enqueueEvent('q29', 'inbox', 'orphan');
    // Let the runtime see (and drop) the orphan before the instance exists.
    await h.idle();
    expect(await h.client.getStatus('q29')).toMatchObject({ status: 'NotFound' });
    await h.client.startOrchestration('q29', 'Inbox');
    await eventually(async () => (await h.kinds('q29')).includes('QueueSubscribed'));
    await h.idle();
    expect((await h.client.getStatus('q29')).status).toBe('Running');
    await h.client.enqueueEvent('q29', 'inbox', 'real');
    expect(await h.client.waitForOrchestration('q29', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'real',
    });
    const delivered = (await h.history('q29')).filter((e) => e.type === 'QueueEventDelivered');
    expect(delivered.map((e) => e.data)).toEqual(['"real"']);
  });

  it('30: dequeues return messages FIFO and queues never mix', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('TwoQueues', function* (ctx) {
      yield ctx.waitForEvent('go');
      const b = yield ctx.dequeueEvent('B');
      const a1 = yield ctx.dequeueEvent('A');
      const a2 = yield ctx.dequeueEvent('A');
      return { b, a: [a1, a2] };
    });
    await h.runtime.start();
    await h.client.startOrchestration('q30', 'TwoQueues');
    await eventually(async () => (await h.kinds('q30')).includes('ExternalSubscribed'));
    await h.client.enqueueEvent('q30', 'A', 'a');
    await h.client.enqueueEvent('q30', 'A', 'b');
    await h.client.enqueueEvent('q30', 'B', 'z');
    await eventually(async () => (await countKind(h, 'q30', 'QueueEventDelivered')) === 3);
    await h.client.raiseEvent('q30', 'go');
    expect(await h.client.waitForOrchestration('q30', 10_000)).toMatchObject({
      status: 'Completed',
      output: { b: 'z', a: ['a', 'b'] },
    });
  });

  it('31: a dequeue that lost a race does not consume the next message', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('LoserDequeue', function* (ctx) {
      const r = yield ctx.race(ctx.dequeueEvent('q'), ctx.scheduleTimer(30));
      const v = yield ctx.dequeueEvent('q');
      return { first: r.index, v };
    });
    await h.runtime.start();
    await h.client.startOrchestration('q31', 'LoserDequeue');
    await eventually(async () => (await countKind(h, 'q31', 'QueueSubscribed')) === 2);
    await h.client.enqueueEvent('q31', 'q', 'later');
    expect(await h.client.waitForOrchestration('q31', 10_000)).toMatchObject({
      status: 'Completed',
      output: { first: 1, v: 'later' },
    });
    const cancelled = (await h.history('q31')).find((e) => e.type === 'QueueSubscriptionCancelled');
    expect(cancelled).toMatchObject({ source_event_id: 2, reason: 'dropped_future' });
  });

  /** Phase 0 waits for "go" while messages pile up, then continues as new; phase 1 drains. */
  function registerCarry(h: Harness): void {
    h.runtime.registerOrchestration('Carry', function* (ctx, input: { phase: number; take: number }) {
      if (input.phase === 0) {
        yield ctx.waitForEvent('go');
        return yield ctx.continueAsNew({ phase: 1, take: input.take });
      }
      const got: unknown[] = [];
      for (let i = 0; i < input.take; i++) got.push(yield ctx.dequeueEvent('inbox'));
      const more = yield ctx.race(ctx.dequeueEvent('inbox'), ctx.scheduleTimer(50));
      return { got, more: more.index === 0 ? more.value : 'none' };
    });
  }

  it('32: unconsumed messages carry over continue-as-new in order', async () => {
    const h = await createHarness();
    registerCarry(h);
    await h.runtime.start();
    await h.client.startOrchestration('q32', 'Carry', { phase: 0, take: 3 });
    await eventually(async () => (await h.kinds('q32')).includes('ExternalSubscribed'));
    for (const m of ['m0', 'm1', 'm2']) await h.client.enqueueEvent('q32', 'inbox', m);
    await eventually(async () => (await countKind(h, 'q32', 'QueueEventDelivered')) === 3);
    await h.client.raiseEvent('q32', 'go');
    expect(await h.client.waitForOrchestration('q32', 10_000)).toMatchObject({
      status: 'Completed',
      output: { got: ['m0', 'm1', 'm2'], more: 'none' },
    });
    const exec2 = await h.history('q32', 2);
    expect(exec2[0]).toMatchObject({
      event_id: 1,
      type: 'OrchestrationStarted',
      carry_forward_events: [
        ['inbox', '"m0"'],
        ['inbox', '"m1"'],
        ['inbox', '"m2"'],
      ],
    });
    // Re-materialised at the head of the new execution, before anything new.
    expect(exec2.slice(1, 4).map((e) => [e.type, 'data' in e ? e.data : undefined])).toEqual([
      ['QueueEventDelivered', '"m0"'],
      ['QueueEventDelivered', '"m1"'],
      ['QueueEventDelivered', '"m2"'],
    ]);
  });

  it('32: with 25 unconsumed messages only the first 20 carry over', async () => {
    const h = await createHarness();
    registerCarry(h);
    await h.runtime.start();
    await h.client.startOrchestration('q32b', 'Carry', { phase: 0, take: 20 });
    await eventually(async () => (await h.kinds('q32b')).includes('ExternalSubscribed'));
    for (let i = 0; i < 25; i++) await h.client.enqueueEvent('q32b', 'inbox', `m${i}`);
    await eventually(async () => (await countKind(h, 'q32b', 'QueueEventDelivered')) === 25);
    await h.client.raiseEvent('q32b', 'go');
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    expect(await h.client.waitForOrchestration('q32b', 10_000)).toMatchObject({
      status: 'Completed',
      output: { got: expected, more: 'none' },
    });
    const started = (await h.history('q32b', 2))[0];
    expect(started?.type === 'OrchestrationStarted' && started.carry_forward_events).toEqual(
      expected.map((m) => ['inbox', JSON.stringify(m)]),
    );
  });
});
