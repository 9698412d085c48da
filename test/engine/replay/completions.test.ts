import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import {
  TurnDriver,
  completeActivity,
  completeSubOrch,
  failActivity,
  fireTimer,
  kinds,
  raiseEvent,
} from '../../helpers/history-builders.js';

describe('duplicate and foreign completions are dropped', () => {
  it('a duplicate activity completion in the same batch is recorded once (scenario 7)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const a: unknown = yield ctx.scheduleActivity('A');
      const b: unknown = yield ctx.waitForEvent('go');
      return [a, b];
    });
    driver.start();
    const t2 = driver.turn([
      completeActivity(2, 'first'),
      completeActivity(2, 'second'),
      failActivity(2, 'late failure'),
    ]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityCompleted', 2],
      [4, 'ExternalSubscribed'],
    ]);
    driver.turn([raiseEvent('go', 1)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["first",1]' });
  });

  it('a duplicate activity completion in a later turn is dropped', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      return yield ctx.waitForEvent('go');
    });
    driver.start();
    driver.turn([completeActivity(2, 'first')]);
    const t3 = driver.turn([completeActivity(2, 'again')]);
    expect(t3).toMatchObject({ delta: [], outcome: { status: 'Running' } });
  });

  it('a duplicate TimerFired is recorded once (scenario 6)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      return yield ctx.waitForEvent('go');
    });
    driver.start();
    const t2 = driver.turn([fireTimer(2), fireTimer(2)]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'TimerFired', 2],
      [4, 'ExternalSubscribed'],
    ]);
    expect(driver.turn([fireTimer(2)]).delta).toEqual([]);
  });

  it('a duplicate sub-orchestration completion is recorded once', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleSubOrchestration('Child');
      return yield ctx.waitForEvent('go');
    });
    driver.start();
    const t2 = driver.turn([completeSubOrch(2, 'x'), completeSubOrch(2, 'y')]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'SubOrchestrationCompleted', 2],
      [4, 'ExternalSubscribed'],
    ]);
  });

  it('a completion for a syscall (already completed in its turn) is dropped', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const now: number = yield ctx.utcNow();
      yield ctx.waitForEvent('go');
      return now;
    });
    driver.start();
    expect(driver.turn([completeActivity(2, 123)]).delta).toEqual([]);
    driver.turn([raiseEvent('go')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: String(driver.nowOf(0)) });
  });

  it('completions addressed to another execution are dropped (scenario 35)', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        return yield ctx.scheduleActivity('A');
      },
      { executionId: 2 },
    );
    driver.start();
    const t2 = driver.turn([
      completeActivity(2, 'from execution 1', { executionId: 1 }),
      fireTimer(2, 0, { executionId: 1 }),
      completeSubOrch(2, 'x', { executionId: 3 }),
      completeActivity(999, 'unknown id but foreign', { executionId: 1 }),
    ]);
    expect(t2).toMatchObject({ delta: [], outcome: { status: 'Running' } });
    driver.turn([completeActivity(2, 'mine', { executionId: 2 })]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"mine"' });
  });

  it('a late completion of a cancelled race loser is recorded and ignored', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const r: unknown = yield ctx.race(ctx.scheduleActivity('Slow'), ctx.scheduleTimer(10));
      const next: unknown = yield ctx.scheduleActivity('Next');
      return [r, next];
    });
    driver.start();
    driver.turn([fireTimer(3)]);
    expect(driver.cached.openActivityIds()).toEqual([6]);
    const t3 = driver.turn([completeActivity(2, 'too late')]);
    expect(kinds(t3.delta)).toEqual([[7, 'ActivityCompleted', 2]]);
    expect(t3.outcome).toEqual({ status: 'Running' });
    // And it is not a duplicate source for later turns.
    expect(driver.turn([failActivity(2, 'even later')]).delta).toEqual([]);
    driver.turn([completeActivity(6, 'n')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"index":1,"value":null},"n"]' });
  });

  it('messages after the orchestration finished in the same batch are not recorded', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('A');
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'a'), raiseEvent('E', 1), completeActivity(999)]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityCompleted', 2],
      [4, 'OrchestrationCompleted'],
    ]);
  });
});
