import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import {
  TurnDriver,
  completeActivity,
  eventsOf,
  externalEvent,
  externalSubscribed,
  fireTimer,
  history,
  kinds,
  raiseEvent,
  replayThenTurn,
  started,
  timerCreated,
  timerFired,
} from '../../helpers/history-builders.js';

describe('external events (positional)', () => {
  it('records ExternalSubscribed and ExternalEvent (no source) and resumes with the data', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const data: unknown = yield ctx.waitForEvent('Approval');
      return data;
    });
    const t1 = driver.start();
    expect(t1.delta[1]).toMatchObject({ event_id: 2, type: 'ExternalSubscribed', name: 'Approval' });
    const t2 = driver.turn([raiseEvent('Approval', { by: 'ann' })]);
    expect(t2.delta[0]).toMatchObject({
      event_id: 3,
      type: 'ExternalEvent',
      name: 'Approval',
      data: '{"by":"ann"}',
    });
    expect(t2.delta[0]).not.toHaveProperty('source_event_id');
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"by":"ann"}' });
  });

  it('a duplicate raise is a separate arrival: both recorded, the first delivered (scenario 23)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const data: unknown = yield ctx.waitForEvent('Evt');
      yield ctx.scheduleActivity('After', data);
      return data;
    });
    driver.start();
    const t2 = driver.turn([raiseEvent('Evt', 'same'), raiseEvent('Evt', 'same')]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ExternalEvent'],
      [4, 'ActivityScheduled'],
      [5, 'ExternalEvent'],
    ]);
    driver.turn([completeActivity(4)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"same"' });
  });

  it('an event raised before the subscription is recorded but never delivered (scenario 24)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const data: unknown = yield ctx.waitForEvent('X');
      return data;
    });
    driver.start();
    driver.turn([raiseEvent('X', 'early')]);
    driver.turn([fireTimer(2)]);
    expect(driver.outcome).toEqual({ status: 'Running' });
    driver.turn([raiseEvent('X', 'late')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"late"' });
    expect(eventsOf(driver.history, 'ExternalEvent').map((e) => e.data)).toEqual(['"early"', '"late"']);
  });

  it('within one batch, causal order decides: a raise before the enabling timer is lost, after it is delivered', () => {
    const code = function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      const data: unknown = yield ctx.waitForEvent('X');
      return data;
    };
    const before = new TurnDriver(code);
    before.start();
    before.turn([raiseEvent('X', 'x'), fireTimer(2)]);
    expect(before.outcome).toEqual({ status: 'Running' });
    expect(kinds(before.history).slice(2)).toEqual([
      [3, 'ExternalEvent'],
      [4, 'TimerFired', 2],
      [5, 'ExternalSubscribed'],
    ]);

    const after = new TurnDriver(code);
    after.start();
    after.turn([fireTimer(2), raiseEvent('X', 'x')]);
    expect(after.outcome).toEqual({ status: 'Completed', output: '"x"' });
    expect(kinds(after.history).slice(2)).toEqual([
      [3, 'TimerFired', 2],
      [4, 'ExternalSubscribed'],
      [5, 'ExternalEvent'],
      [6, 'OrchestrationCompleted'],
    ]);
  });

  it('replays an early event from history without delivering it', () => {
    const events = history(
      started(),
      timerCreated(0),
      externalEvent('X', 'early'),
      timerFired(2),
      externalSubscribed('X'),
    );
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.scheduleTimer(10);
        return yield ctx.waitForEvent('X');
      },
      events,
      [raiseEvent('X', 'late')],
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '"late"' });
  });

  it('sequential waits for one name receive arrivals in order (scenario 26)', () => {
    const code = function* (ctx: OrchestrationContext) {
      const a: unknown = yield ctx.waitForEvent('X');
      const b: unknown = yield ctx.waitForEvent('X');
      return [a, b];
    };
    const oneBatch = new TurnDriver(code);
    oneBatch.start();
    oneBatch.turn([raiseEvent('X', 'x1'), raiseEvent('X', 'x2')]);
    expect(oneBatch.outcome).toEqual({ status: 'Completed', output: '["x1","x2"]' });

    const twoBatches = new TurnDriver(code);
    twoBatches.start();
    twoBatches.turn([raiseEvent('X', 'x1')]);
    twoBatches.turn([raiseEvent('X', 'x2')]);
    expect(twoBatches.outcome).toEqual({ status: 'Completed', output: '["x1","x2"]' });
  });

  it('concurrent waits for one name get the k-th arrival in subscription order', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([ctx.waitForEvent('X'), ctx.waitForEvent('Y'), ctx.waitForEvent('X')]);
    });
    driver.start();
    driver.turn([raiseEvent('X', 'first'), raiseEvent('Y', 'y')]);
    driver.turn([raiseEvent('X', 'second')]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: '[{"ok":"first"},{"ok":"y"},{"ok":"second"}]',
    });
  });

  it('a subscription cancelled by a lost race does not steal the next arrival (scenario 27)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const first: { index: number } = yield ctx.race(ctx.waitForEvent('X'), ctx.scheduleTimer(100));
      const second: unknown = yield ctx.waitForEvent('X');
      return [first.index, second];
    });
    driver.start();
    expect(kinds(driver.history)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ExternalSubscribed'],
      [3, 'TimerCreated'],
    ]);
    const t2 = driver.turn([fireTimer(3)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 4, type: 'TimerFired', source_event_id: 3 }),
      expect.objectContaining({
        event_id: 5,
        type: 'ExternalSubscribedCancelled',
        source_event_id: 2,
        reason: 'dropped_future',
      }),
      expect.objectContaining({ event_id: 6, type: 'ExternalSubscribed', name: 'X' }),
    ]);
    driver.turn([raiseEvent('X', 'only')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[1,"only"]' });
  });

  it('an event for a name nobody waits on is recorded and ignored', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('Wanted');
    });
    driver.start();
    const t2 = driver.turn([raiseEvent('Other', 1)]);
    expect(kinds(t2.delta)).toEqual([[3, 'ExternalEvent']]);
    expect(t2.outcome).toEqual({ status: 'Running' });
    driver.turn([raiseEvent('Wanted', 2)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '2' });
  });

  it('waitForEventTyped parses a string payload holding JSON once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const plain: unknown = yield ctx.waitForEvent('E');
      const typed: unknown = yield ctx.waitForEventTyped('E');
      return [plain, typed];
    });
    driver.start();
    driver.turn([raiseEvent('E', '{"a":1}'), raiseEvent('E', '{"a":1}')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["{\\"a\\":1}",{"a":1}]' });
  });

  it('an event raised after the orchestration completed is not recorded (scenario 25)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('Go');
    });
    driver.start();
    const t2 = driver.turn([raiseEvent('Go', 1), raiseEvent('Go', 2), raiseEvent('Other', 3)]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ExternalEvent'],
      [4, 'OrchestrationCompleted'],
    ]);
    expect(driver.cached.isFinished).toBe(true);
    expect(driver.fresh.isFinished).toBe(true);
  });
});
