import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { MAX_CARRY_FORWARD_EVENTS } from '../../../src/engine/replay/execution.js';
import type { Task } from '../../../src/engine/replay/tasks.js';
import {
  TurnDriver,
  cancelInstance,
  completeActivity,
  enqueue,
  failureOf,
  fireTimer,
  kinds,
} from '../../helpers/history-builders.js';

function* counter(ctx: OrchestrationContext, n: number): Generator<Task, unknown, unknown> {
  yield ctx.scheduleActivity('Work', n);
  if (n < 2) return yield ctx.continueAsNew(n + 1);
  return `done at ${n}`;
}

describe('continue-as-new', () => {
  it('ends the execution with OrchestrationContinuedAsNew and the new input', () => {
    const driver = new TurnDriver(counter, { input: 0 });
    driver.start();
    const t2 = driver.turn([completeActivity(2)]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityCompleted', 2],
      [4, 'OrchestrationContinuedAsNew'],
    ]);
    expect(t2.delta[1]).toMatchObject({ input: '1' });
    expect(t2.outcome).toEqual({ status: 'ContinuedAsNew', input: '1', carryForward: [] });
    expect(driver.cached.isFinished).toBe(true);
  });

  it('each execution of a chain starts at event 1 with its own execution id (scenario 33)', () => {
    const outcomes: unknown[] = [];
    let input: unknown = 0;
    for (let executionId = 1; executionId <= 3; executionId++) {
      const driver = new TurnDriver(counter, { input, executionId });
      const first = driver.start();
      expect(first.delta[0]).toMatchObject({
        event_id: 1,
        type: 'OrchestrationStarted',
        execution_id: executionId,
      });
      driver.turn([completeActivity(2, null, { executionId })]);
      outcomes.push(driver.outcome);
      if (driver.outcome.status === 'ContinuedAsNew') input = JSON.parse(driver.outcome.input) as unknown;
    }
    expect(outcomes).toEqual([
      { status: 'ContinuedAsNew', input: '1', carryForward: [] },
      { status: 'ContinuedAsNew', input: '2', carryForward: [] },
      { status: 'Completed', output: '"done at 2"' },
    ]);
  });

  it('continueAsNewVersioned carries the target version; null means latest', () => {
    const pinned = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.continueAsNewVersioned({ v: 2 }, '2.0.0');
    }).start();
    expect(pinned.outcome).toEqual({
      status: 'ContinuedAsNew',
      input: '{"v":2}',
      version: '2.0.0',
      carryForward: [],
    });
    const latest = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.continueAsNewVersioned('x', null);
    }).start();
    expect(latest.outcome).toEqual({ status: 'ContinuedAsNew', input: '"x"', carryForward: [] });
  });

  it('code after a yielded continueAsNew never runs', () => {
    const after: string[] = [];
    new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.continueAsNew(1);
      after.push('ran');
      return 'ignored';
    }).start();
    expect(after).toEqual([]);
  });

  it('takes effect only when yielded: a created but unyielded continueAsNew is ignored', () => {
    // duroxide (scenario 34) lets the emitted action win even without await; in durox the task
    // is inert data until yielded, so returning completes the orchestration.
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.continueAsNew('x');
      yield ctx.scheduleTimer(0);
      return 'returned';
    }).run([], [fireTimer(2)]);
    expect(t[1]!.outcome).toEqual({ status: 'Completed', output: '"returned"' });
  });

  it('yielding continueAsNew from a nested generator throws at that yield', () => {
    const caught: string[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* branch() {
        try {
          yield ctx.continueAsNew('nested');
        } catch (error) {
          caught.push((error as Error).message);
        }
        return 'branch done';
      }
      return yield ctx.all([branch(), ctx.scheduleTimer(0)]);
    });
    driver.run([], [fireTimer(2)]);
    expect(caught.length).toBeGreaterThan(0);
    expect(new Set(caught)).toEqual(new Set(['continueAsNew must be yielded by the orchestration itself']));
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"ok":"branch done"},{"ok":null}]' });
  });

  it('continueAsNew inside all() or race() fails the yield with a clear TypeError', () => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.all([ctx.continueAsNew(1)]);
    }).start();
    expect(failureOf(t.outcome)).toMatchObject({
      type: 'TypeError',
      message: 'continueAsNew must be yielded by the orchestration itself, not inside all() or race()',
    });
  });

  it('carries unconsumed queue messages forward in arrival order across queues (scenario 32)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const first: unknown = yield ctx.dequeueEvent('a');
      yield ctx.scheduleActivity('Use', first);
      return yield ctx.continueAsNew('next');
    });
    driver.start();
    driver.turn([enqueue('a', 1), enqueue('b', 'x'), enqueue('a', 2), enqueue('a', 3)]);
    driver.turn([completeActivity(4)]);
    expect(driver.outcome).toEqual({
      status: 'ContinuedAsNew',
      input: '"next"',
      carryForward: [
        ['b', '"x"'],
        ['a', '2'],
        ['a', '3'],
      ],
    });
  });

  it(`carries at most ${MAX_CARRY_FORWARD_EVENTS} messages, the oldest ones`, () => {
    expect(MAX_CARRY_FORWARD_EVENTS).toBe(20);
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      return yield ctx.continueAsNew(null);
    });
    driver.start();
    driver.turn(Array.from({ length: 25 }, (_, i) => enqueue(i % 2 ? 'odd' : 'even', i)));
    driver.turn([fireTimer(2)]);
    expect(driver.outcome).toMatchObject({ status: 'ContinuedAsNew' });
    const carried = driver.outcome.status === 'ContinuedAsNew' ? driver.outcome.carryForward : [];
    expect(carried).toEqual(Array.from({ length: 20 }, (_, i) => [i % 2 ? 'odd' : 'even', String(i)]));
  });

  it('queue messages in the same batch after the continue-as-new are recorded and carried forward', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      return yield ctx.continueAsNew('next');
    });
    driver.start();
    const t2 = driver.turn([
      enqueue('q', 'before'),
      completeActivity(2),
      enqueue('q', 'after'),
      enqueue('r', 'too'),
    ]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'QueueEventDelivered'],
      [4, 'ActivityCompleted', 2],
      [5, 'QueueEventDelivered'],
      [6, 'QueueEventDelivered'],
      [7, 'OrchestrationContinuedAsNew'],
    ]);
    expect(t2.outcome).toEqual({
      status: 'ContinuedAsNew',
      input: '"next"',
      carryForward: [
        ['q', '"before"'],
        ['q', '"after"'],
        ['r', '"too"'],
      ],
    });
  });

  it('a cancel request in the same batch after the continue-as-new still cancels (cancellation wins)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      return yield ctx.continueAsNew('next');
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2), cancelInstance('by_test'), enqueue('q', 'dropped')]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityCompleted', 2],
      [4, 'OrchestrationCancelRequested'],
      [5, 'OrchestrationFailed'],
    ]);
    expect(t2.outcome).toMatchObject({
      status: 'Failed',
      dispatch: true,
      details: { kind: 'Cancelled', reason: 'by_test' },
    });
  });

  it('a new execution re-delivers carried messages first, before newer arrivals', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        const got: unknown[] = [];
        for (let i = 0; i < 3; i++) got.push(yield ctx.dequeueEvent('q'));
        return got;
      },
      {
        executionId: 2,
        startFields: {
          carry_forward_events: [
            ['q', '"c1"'],
            ['q', '"c2"'],
          ],
        },
      },
    );
    const t1 = driver.start();
    expect(kinds(t1.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'QueueEventDelivered'],
      [3, 'QueueEventDelivered'],
      [4, 'QueueSubscribed'],
      [5, 'QueueSubscribed'],
      [6, 'QueueSubscribed'],
    ]);
    expect(t1.delta[0]).toMatchObject({
      carry_forward_events: [
        ['q', '"c1"'],
        ['q', '"c2"'],
      ],
    });
    driver.turn([enqueue('q', 'new')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["c1","c2","new"]' });
  });

  it('a carried message in the first-turn batch queues behind the carried ones', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        return yield ctx.all([ctx.dequeueEvent('q'), ctx.dequeueEvent('q')]);
      },
      { executionId: 2, startFields: { carry_forward_events: [['q', '"carried"']] } },
    );
    driver.start([enqueue('q', 'fresh', { executionId: 2 })]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"ok":"carried"},{"ok":"fresh"}]' });
  });

  it('the initial custom status of a new execution is visible to the code', () => {
    const seen: unknown[] = [];
    new TurnDriver(
      function* (ctx: OrchestrationContext) {
        seen.push(ctx.getCustomStatus());
      },
      { executionId: 2, startFields: { initial_custom_status: 'carried status' } },
    ).start();
    expect(seen).toEqual(['carried status', 'carried status']);
  });
});
