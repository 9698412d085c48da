import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import {
  TurnDriver,
  enqueue,
  eventsOf,
  fireTimer,
  history,
  kinds,
  queueEventDelivered,
  queueSubscribed,
  replayThenTurn,
  started,
  timerCreated,
  timerFired,
} from '../../helpers/history-builders.js';

describe('event queues (FIFO mailbox)', () => {
  it('records QueueSubscribed and QueueEventDelivered and resumes with the message', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.dequeueEvent('inbox');
    });
    const t1 = driver.start();
    expect(t1.delta[1]).toMatchObject({ event_id: 2, type: 'QueueSubscribed', name: 'inbox' });
    const t2 = driver.turn([enqueue('inbox', { n: 1 })]);
    expect(t2.delta[0]).toMatchObject({
      event_id: 3,
      type: 'QueueEventDelivered',
      name: 'inbox',
      data: '{"n":1}',
    });
    expect(t2.delta[0]).not.toHaveProperty('source_event_id');
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"n":1}' });
  });

  it('buffers a message that arrives before any dequeue (scenario 28)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      return yield ctx.dequeueEvent('inbox');
    });
    driver.start();
    const t2 = driver.turn([enqueue('inbox', 'm1')]);
    expect(t2).toMatchObject({ outcome: { status: 'Running' } });
    expect(kinds(t2.delta)).toEqual([[3, 'QueueEventDelivered']]);
    const t3 = driver.turn([fireTimer(2)]);
    // The dequeue is satisfied in the same turn from the buffer.
    expect(kinds(t3.delta)).toEqual([
      [4, 'TimerFired', 2],
      [5, 'QueueSubscribed'],
      [6, 'OrchestrationCompleted'],
    ]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '"m1"' });
  });

  it('delivers in FIFO order and keeps queues apart (scenario 30)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const b1: unknown = yield ctx.dequeueEvent('B');
      const a1: unknown = yield ctx.dequeueEvent('A');
      const a2: unknown = yield ctx.dequeueEvent('A');
      const b2: unknown = yield ctx.dequeueEvent('B');
      return [a1, a2, b1, b2];
    });
    driver.start();
    driver.turn([enqueue('A', 'a'), enqueue('B', 'x'), enqueue('A', 'b')]);
    driver.turn([fireTimer(2)]);
    expect(driver.outcome).toEqual({ status: 'Running' });
    driver.turn([enqueue('B', 'y')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["a","b","x","y"]' });
  });

  it('a dequeue that lost a race never consumes; the next dequeue gets the message (scenario 31)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const raced: { index: number } = yield ctx.race(ctx.dequeueEvent('q'), ctx.scheduleTimer(100));
      yield ctx.scheduleTimer(10);
      const next: unknown = yield ctx.dequeueEvent('q');
      return [raced.index, next];
    });
    driver.start();
    const t2 = driver.turn([fireTimer(3)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 4, type: 'TimerFired', source_event_id: 3 }),
      expect.objectContaining({
        event_id: 5,
        type: 'QueueSubscriptionCancelled',
        source_event_id: 2,
        reason: 'dropped_future',
      }),
      expect.objectContaining({ event_id: 6, type: 'TimerCreated' }),
    ]);
    // Arrives while nothing waits (the cancelled subscription must not take it).
    driver.turn([enqueue('q', 'later')]);
    driver.turn([fireTimer(6)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[1,"later"]' });
  });

  it('the winner of race(dequeue q, dequeue q) takes one message; the loser takes none', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const raced: unknown = yield ctx.race(ctx.dequeueEvent('q'), ctx.dequeueEvent('q'));
      const next: unknown = yield ctx.dequeueEvent('q');
      return [raced, next];
    });
    driver.start();
    driver.turn([enqueue('q', 'one'), enqueue('q', 'two')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"index":0,"value":"one"},"two"]' });
    expect(eventsOf(driver.history, 'QueueSubscriptionCancelled')).toEqual([
      expect.objectContaining({ source_event_id: 3, reason: 'dropped_future' }),
    ]);
  });

  it('a losing dequeue that found a buffered message gives it back (race over two queues)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const first: unknown = yield ctx.race(ctx.dequeueEvent('a'), ctx.dequeueEvent('b'));
      const fromB: unknown = yield ctx.dequeueEvent('b');
      return [first, fromB];
    });
    driver.start();
    driver.turn([enqueue('a', 'a1'), enqueue('b', 'b1')]);
    const t3 = driver.turn([fireTimer(2)]);
    expect(t3.delta.map((e) => [e.event_id, e.type, e.source_event_id])).toEqual([
      [5, 'TimerFired', 2],
      [6, 'QueueSubscribed', undefined],
      [7, 'QueueSubscribed', undefined],
      [8, 'QueueSubscriptionCancelled', 7],
      [9, 'QueueSubscribed', undefined],
      [10, 'OrchestrationCompleted', undefined],
    ]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '[{"index":0,"value":"a1"},"b1"]' });
  });

  it('race(dequeue q, dequeue q) over two buffered messages consumes only one', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const raced: unknown = yield ctx.race(ctx.dequeueEvent('q'), ctx.dequeueEvent('q'));
      const next: unknown = yield ctx.dequeueEvent('q');
      return [raced, next];
    });
    driver.start();
    driver.turn([enqueue('q', 'one'), enqueue('q', 'two')]);
    driver.turn([fireTimer(2)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"index":0,"value":"one"},"two"]' });
  });

  it('a message taken inside a cancelled join goes back to the queue in its original place', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const raced: { index: number } = yield ctx.race(
        ctx.all([ctx.dequeueEvent('q'), ctx.dequeueEvent('r')]),
        ctx.scheduleTimer(50),
      );
      const again: unknown = yield ctx.all([ctx.dequeueEvent('q'), ctx.dequeueEvent('q')]);
      return [raced.index, again];
    });
    driver.start();
    driver.turn([enqueue('q', 'q1'), enqueue('q', 'q2')]);
    driver.turn([fireTimer(2)]);
    // 6: dequeue q (took q1), 7: dequeue r (waiting), 8: the race timer.
    expect(kinds(driver.history).slice(5)).toEqual([
      [6, 'QueueSubscribed'],
      [7, 'QueueSubscribed'],
      [8, 'TimerCreated'],
    ]);
    const t4 = driver.turn([fireTimer(8)]);
    expect(t4.delta.map((e) => [e.type, e.source_event_id])).toEqual([
      ['TimerFired', 8],
      ['QueueSubscriptionCancelled', 6],
      ['QueueSubscriptionCancelled', 7],
      ['QueueSubscribed', undefined],
      ['QueueSubscribed', undefined],
      ['OrchestrationCompleted', undefined],
    ]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[1,[{"ok":"q1"},{"ok":"q2"}]]' });
  });

  it('a message given back by a losing dequeue is carried forward by continue-as-new', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      yield ctx.race(ctx.dequeueEvent('a'), ctx.dequeueEvent('b'));
      return yield ctx.continueAsNew(null);
    });
    driver.start();
    driver.turn([enqueue('b', 'b1'), enqueue('a', 'a1'), enqueue('b', 'b2')]);
    driver.turn([fireTimer(2)]);
    expect(driver.outcome).toEqual({
      status: 'ContinuedAsNew',
      input: 'null',
      carryForward: [
        ['b', '"b1"'],
        ['b', '"b2"'],
      ],
    });
  });

  it('a dequeue loop drains a burst in order across turns', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const got: unknown[] = [];
      while (got.length < 5) got.push(yield ctx.dequeueEvent('jobs'));
      return got;
    });
    driver.start();
    driver.turn([enqueue('jobs', 1), enqueue('jobs', 2)]);
    driver.turn([enqueue('jobs', 3), enqueue('jobs', 4), enqueue('jobs', 5), enqueue('jobs', 6)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[1,2,3,4,5]' });
  });

  it('dequeueEventTyped parses a JSON string payload the same way whether it was buffered or awaited', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const buffered: unknown = yield ctx.dequeueEventTyped('q');
      const awaited: unknown = yield ctx.dequeueEventTyped('q');
      return [buffered, awaited];
    });
    driver.start();
    driver.turn([enqueue('q', '{"a":1}')]);
    driver.turn([fireTimer(2)]);
    driver.turn([enqueue('q', '{"a":2}')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"a":1},{"a":2}]' });
  });

  it('replays buffered deliveries from history', () => {
    const events = history(
      started(),
      timerCreated(0),
      queueEventDelivered('q', 'm1'),
      queueEventDelivered('q', 'm2'),
      timerFired(2),
      queueSubscribed('q'),
      queueSubscribed('q'),
    );
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.scheduleTimer(10);
        const a: unknown = yield ctx.dequeueEvent('q');
        const b: unknown = yield ctx.dequeueEvent('q');
        const c: unknown = yield ctx.dequeueEvent('q');
        return [a, b, c];
      },
      events,
      [enqueue('q', 'm3')],
    );
    expect(kinds(result.delta)).toEqual([
      [8, 'QueueSubscribed'],
      [9, 'QueueEventDelivered'],
      [10, 'OrchestrationCompleted'],
    ]);
    expect(result.outcome).toEqual({ status: 'Completed', output: '["m1","m2","m3"]' });
  });
});
