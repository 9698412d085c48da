import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { displayMessage } from '../../../src/core/failure.js';
import {
  TurnDriver,
  activityScheduled,
  cancelInstance,
  cancelRequested,
  completeActivity,
  failActivity,
  failureOf,
  fireTimer,
  history,
  kinds,
  raiseEvent,
  replayThenTurn,
  started,
} from '../../helpers/history-builders.js';

function cancelled(reason: string) {
  return {
    status: 'Failed',
    dispatch: true,
    details: {
      category: 'application',
      kind: 'Cancelled',
      reason,
      message: `canceled: ${reason}`,
      retryable: false,
    },
  };
}

describe('cancellation (CancelInstance)', () => {
  it('fails the orchestration as Cancelled with a terminal breadcrumb for the open activity', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Long');
    });
    driver.start();
    expect(driver.cached.openActivityIds()).toEqual([2]);
    const t2 = driver.turn([cancelInstance('by_test')]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 3, type: 'OrchestrationCancelRequested', reason: 'by_test' }),
      expect.objectContaining({
        event_id: 4,
        type: 'ActivityCancelRequested',
        source_event_id: 2,
        reason: 'orchestration_terminal_failed',
      }),
      expect.objectContaining({
        event_id: 5,
        type: 'OrchestrationFailed',
        details: cancelled('by_test').details,
      }),
    ]);
    expect(t2.outcome).toEqual(cancelled('by_test'));
    expect(displayMessage(failureOf(t2.outcome))).toBe('canceled: by_test');
    expect(driver.cached.openActivityIds()).toEqual([]);
    expect(driver.cached.isFinished).toBe(true);
  });

  it('leaves breadcrumbs for every open wait: activity, event, queue, sub-orchestration; none for timers', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([
        ctx.scheduleActivity('A'),
        ctx.waitForEvent('E'),
        ctx.dequeueEvent('Q'),
        ctx.scheduleSubOrchestration('S'),
        ctx.scheduleTimer(1_000),
        ctx.scheduleActivity('Done'),
      ]);
    });
    driver.start();
    const t2 = driver.turn([completeActivity(7, 'done'), cancelInstance('stop')]);
    expect(
      t2.delta.map((e) => [e.event_id, e.type, e.source_event_id, 'reason' in e ? e.reason : undefined]),
    ).toEqual([
      [8, 'ActivityCompleted', 7, undefined],
      [9, 'OrchestrationCancelRequested', undefined, 'stop'],
      [10, 'ActivityCancelRequested', 2, 'orchestration_terminal_failed'],
      [11, 'ExternalSubscribedCancelled', 3, 'orchestration_terminal'],
      [12, 'QueueSubscriptionCancelled', 4, 'orchestration_terminal'],
      [13, 'SubOrchestrationCancelRequested', 5, 'parent canceled'],
      [14, 'OrchestrationFailed', undefined, undefined],
    ]);
  });

  it('records one cancel request per batch and drops later messages', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('A');
    });
    driver.start();
    const t2 = driver.turn([
      cancelInstance('first'),
      cancelInstance('second'),
      completeActivity(2, 'late'),
      raiseEvent('E'),
    ]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'OrchestrationCancelRequested'],
      [4, 'ActivityCancelRequested', 2],
      [5, 'OrchestrationFailed'],
    ]);
    expect(t2.outcome).toEqual(cancelled('first'));
  });

  it('a completion before the cancel in the same batch is still applied first', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      return yield ctx.scheduleActivity('B');
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'a'), cancelInstance('x')]);
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityCompleted', 2],
      [4, 'ActivityScheduled'],
      [5, 'OrchestrationCancelRequested'],
      [6, 'ActivityCancelRequested', 4],
      [7, 'OrchestrationFailed'],
    ]);
  });

  it('a cancel in the first batch runs the code once, then cancels (scenario 18)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(10);
      return 'never completes';
    });
    const t1 = driver.start([cancelInstance('early')]);
    expect(kinds(t1.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'TimerCreated'],
      [3, 'OrchestrationCancelRequested'],
      [4, 'OrchestrationFailed'],
    ]);
    expect(t1.outcome).toEqual(cancelled('early'));
  });

  it('the orchestration cannot catch its own cancellation', () => {
    const caught: unknown[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivity('A');
      } catch (error) {
        caught.push(error);
        return 'caught';
      }
    });
    driver.start();
    driver.turn([cancelInstance('stop'), failActivity(2, 'cancelled activity')]);
    expect(caught).toEqual([]);
    expect(driver.outcome).toEqual(cancelled('stop'));
  });

  it('replaying a recorded cancel request ends as Cancelled', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        return yield ctx.scheduleActivity('A');
      },
      history(started(), activityScheduled('A'), cancelRequested('recorded')),
      [completeActivity(2, 'ignored')],
    );
    expect(result.outcome).toEqual(cancelled('recorded'));
    expect(kinds(result.delta)).toEqual([
      [4, 'ActivityCancelRequested', 2],
      [5, 'OrchestrationFailed'],
    ]);
  });
});

describe('openActivityIds', () => {
  it('lists scheduled activities that are neither completed nor cancelled', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.newGuid();
      yield ctx.all([
        ctx.scheduleActivity('A'),
        ctx.race(ctx.scheduleActivity('B'), ctx.scheduleTimer(5)),
        ctx.scheduleActivity('C'),
        ctx.getValueFromInstance('other', 'k'),
        ctx.waitForEvent('E'),
        ctx.scheduleSubOrchestration('S'),
      ]);
    });
    driver.start();
    // 2-3 new_guid syscall, 4 A, 5 B, 6 timer, 7 C, 8 get_kv_value, 9 event, 10 sub-orchestration.
    expect(driver.cached.openActivityIds()).toEqual([4, 5, 7, 8]);
    driver.turn([completeActivity(7, 'c'), fireTimer(6)]);
    expect(driver.cached.openActivityIds()).toEqual([4, 8]);
    driver.turn([failActivity(4, 'x')]);
    expect(driver.cached.openActivityIds()).toEqual([8]);
  });

  it('only the current retry attempt is open', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivityWithRetry('A', null, { maxAttempts: 3, backoff: 'none' });
    });
    driver.start();
    expect(driver.cached.openActivityIds()).toEqual([2]);
    driver.turn([failActivity(2, 'x')]);
    expect(driver.cached.openActivityIds()).toEqual([4]);
  });
});
