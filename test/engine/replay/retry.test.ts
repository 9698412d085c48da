import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import type { RetryPolicyInput } from '../../../src/engine/replay/retry-policy.js';
import { compileRetryPolicy, delayForAttempt } from '../../../src/engine/replay/retry-policy.js';
import { ATTEMPT_TIMEOUT_MESSAGE, TOTAL_TIMEOUT_MESSAGE } from '../../../src/engine/replay/retry.js';
import {
  TurnDriver,
  completeActivity,
  eventsOf,
  failActivity,
  fireTimer,
  kinds,
  openActivities,
  openTimers,
} from '../../helpers/history-builders.js';

function retrying(policy: RetryPolicyInput, catchErrors = false) {
  return function* (ctx: OrchestrationContext) {
    try {
      const result: unknown = yield ctx.scheduleActivityWithRetry('Flaky', { x: 1 }, policy);
      return { result };
    } catch (error) {
      if (!catchErrors) throw error;
      return { error: (error as Error).message };
    }
  };
}

/** Fails the open attempt with `message`, or fires the open timer. */
function failOpenAttempt(driver: TurnDriver, message: string) {
  const open = openActivities(driver.history);
  expect(open).toHaveLength(1);
  return driver.turn([failActivity(open[0]!.event_id, message)]);
}

function fireOpenTimer(driver: TurnDriver) {
  const open = openTimers(driver.history);
  expect(open.length).toBeGreaterThan(0);
  return driver.turn([fireTimer(open[0]!.event_id, open[0]!.fire_at_ms)]);
}

describe('scheduleActivityWithRetry', () => {
  it('retries after failures with the default exponential backoff as durable timers (scenario 48)', () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 3 }));
    driver.start();
    const t2 = failOpenAttempt(driver, 'first');
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 3, type: 'ActivityFailed', source_event_id: 2 }),
      expect.objectContaining({ event_id: 4, type: 'TimerCreated', fire_at_ms: driver.nowOf(1) + 100 }),
    ]);
    expect(t2.traces).toEqual([
      { level: 'warn', message: 'activity Flaky attempt 1/3 failed: first; retrying in 100 ms' },
    ]);
    const t3 = fireOpenTimer(driver);
    expect(t3.delta[1]).toMatchObject({
      event_id: 6,
      type: 'ActivityScheduled',
      name: 'Flaky',
      input: '{"x":1}',
    });
    const t4 = failOpenAttempt(driver, 'second');
    expect(t4.delta[1]).toMatchObject({ type: 'TimerCreated', fire_at_ms: driver.nowOf(3) + 200 });
    fireOpenTimer(driver);
    driver.turn([completeActivity(openActivities(driver.history)[0]!.event_id, 'finally')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"result":"finally"}' });
    expect(eventsOf(driver.history, 'ActivityScheduled')).toHaveLength(3);
    expect(eventsOf(driver.history, 'TimerCreated')).toHaveLength(2);
  });

  it("backoff 'none' creates no timers: the next attempt is scheduled in the same turn", () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 3, backoff: 'none' }));
    driver.start();
    const t2 = failOpenAttempt(driver, 'nope');
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityFailed', 2],
      [4, 'ActivityScheduled'],
    ]);
    expect(t2.traces[0]?.message).toBe('activity Flaky attempt 1/3 failed: nope; retrying in 0 ms');
    driver.turn([completeActivity(4, 'ok')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"result":"ok"}' });
    expect(eventsOf(driver.history, 'TimerCreated')).toEqual([]);
  });

  it('throws the last error after maxAttempts; it is catchable', () => {
    const driver = new TurnDriver(
      retrying({ maxAttempts: 2, backoff: { kind: 'fixed', delayMs: 500 } }, true),
    );
    driver.start();
    const t2 = failOpenAttempt(driver, 'e1');
    expect(t2.delta[1]).toMatchObject({ type: 'TimerCreated', fire_at_ms: driver.nowOf(1) + 500 });
    fireOpenTimer(driver);
    const last = failOpenAttempt(driver, 'e2');
    // No timer and no trace after the last attempt.
    expect(kinds(last.delta)).toEqual([
      [7, 'ActivityFailed', 6],
      [8, 'OrchestrationCompleted'],
    ]);
    expect(last.traces).toEqual([]);
    expect(last.outcome).toEqual({ status: 'Completed', output: '{"error":"e2"}' });
  });

  it('maxAttempts 1 means no retry', () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 1 }));
    driver.start();
    const t2 = failOpenAttempt(driver, 'only');
    expect(t2.outcome).toMatchObject({ status: 'Failed', details: { message: 'only' } });
    expect(eventsOf(driver.history, 'ActivityScheduled')).toHaveLength(1);
  });

  it("a per-attempt timeout fails with 'timeout: activity timed out' and makes no further attempt (scenario 49)", () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 5, timeoutMs: 100 }, true));
    const t1 = driver.start();
    expect(t1.delta).toEqual([
      expect.objectContaining({ event_id: 1 }),
      expect.objectContaining({ event_id: 2, type: 'ActivityScheduled', name: 'Flaky' }),
      expect.objectContaining({ event_id: 3, type: 'TimerCreated', fire_at_ms: driver.nowOf(0) + 100 }),
    ]);
    const t2 = driver.turn([fireTimer(3)]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'TimerFired', 3],
      [5, 'ActivityCancelRequested', 2],
      [6, 'OrchestrationCompleted'],
    ]);
    expect(t2.delta[1]).toMatchObject({ reason: 'dropped_future' });
    expect(t2.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({ error: ATTEMPT_TIMEOUT_MESSAGE }),
    });
    expect(ATTEMPT_TIMEOUT_MESSAGE).toBe('timeout: activity timed out');
    expect(eventsOf(driver.history, 'ActivityScheduled')).toHaveLength(1);
  });

  it('an attempt that fails before its timeout is retried with a fresh timeout', () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 3, timeoutMs: 1_000, backoff: 'none' }));
    driver.start();
    const t2 = driver.turn([failActivity(2, 'fast failure')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityFailed', 2],
      [5, 'ActivityScheduled'],
      [6, 'TimerCreated'],
    ]);
    const t3 = driver.turn([completeActivity(5, 'second try')]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '{"result":"second try"}' });
    // The first attempt's timer fired never; no breadcrumbs for timers.
    expect(eventsOf(driver.history, 'ActivityCancelRequested')).toEqual([]);
  });

  it("totalTimeoutMs bounds attempts and backoff together: 'timeout: retry deadline exceeded'", () => {
    const driver = new TurnDriver(
      retrying({ maxAttempts: 10, backoff: { kind: 'fixed', delayMs: 1_000 }, totalTimeoutMs: 1_500 }, true),
    );
    const t1 = driver.start();
    expect(t1.delta).toEqual([
      expect.objectContaining({ event_id: 1 }),
      expect.objectContaining({ event_id: 2, type: 'ActivityScheduled' }),
      expect.objectContaining({ event_id: 3, type: 'TimerCreated', fire_at_ms: driver.nowOf(0) + 1_500 }),
    ]);
    const t2 = driver.turn([failActivity(2, 'e1')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityFailed', 2],
      [5, 'TimerCreated'],
    ]);
    // The deadline fires during the backoff wait.
    const t3 = driver.turn([fireTimer(3)]);
    expect(kinds(t3.delta)).toEqual([
      [6, 'TimerFired', 3],
      [7, 'OrchestrationCompleted'],
    ]);
    expect(t3.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({ error: TOTAL_TIMEOUT_MESSAGE }),
    });
  });

  it('totalTimeoutMs cancels a running attempt when the deadline fires', () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 3, totalTimeoutMs: 100 }, true));
    driver.start();
    const t2 = driver.turn([fireTimer(3)]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'TimerFired', 3],
      [5, 'ActivityCancelRequested', 2],
      [6, 'OrchestrationCompleted'],
    ]);
  });

  it('delaysMs lists give the delay per failure, the last one repeating', () => {
    const driver = new TurnDriver(retrying({ maxAttempts: 4, backoff: { delaysMs: [10, 20] } }));
    driver.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = failOpenAttempt(driver, `e${i}`);
      const timer = eventsOf(t.delta, 'TimerCreated')[0]!;
      delays.push(timer.fire_at_ms - t.now);
      fireOpenTimer(driver);
    }
    expect(delays).toEqual([10, 20, 20]);
    expect(openActivities(driver.history)).toHaveLength(1);
  });

  it('pins every attempt to the session and tag', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx
        .scheduleActivityWithRetryOnSession('A', 1, { maxAttempts: 2, backoff: 'none' }, 's1')
        .withTag('gpu');
    });
    driver.start();
    driver.turn([failActivity(2, 'x')]);
    expect(
      eventsOf(driver.history, 'ActivityScheduled').map(({ session_id, tag }) => [session_id, tag]),
    ).toEqual([
      ['s1', 'gpu'],
      ['s1', 'gpu'],
    ]);
  });

  it('the typed variant parses a JSON string result once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivityWithRetryTyped('A', null, { maxAttempts: 1 });
    });
    driver.start();
    driver.turn([completeActivity(2, '{"n":5}')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"n":5}' });
  });

  it.each<[unknown, string]>([
    [{ maxAttempts: 0 }, 'retry policy: maxAttempts must be an integer >= 1, got 0'],
    [{ maxAttempts: 2, timeoutMs: -1 }, 'retry policy: timeoutMs must be a non-negative number, got -1'],
    [
      { maxAttempts: 2, backoff: { kind: 'fixed', delayMs: 'x' } },
      'retry policy: backoff.delayMs must be a non-negative number, got "x"',
    ],
    [null, 'retry policy must be an object like { maxAttempts: 3 }'],
  ])('an invalid policy %j throws at the yield with a message naming the field', (policy, message) => {
    const t = new TurnDriver(retrying(policy as RetryPolicyInput, true)).start();
    expect(t.outcome).toEqual({ status: 'Completed', output: JSON.stringify({ error: message }) });
  });

  it('compiles backoff names and computes delays (1-based attempt)', () => {
    expect(compileRetryPolicy({ maxAttempts: 3 })).toEqual({
      maxAttempts: 3,
      backoff: { kind: 'exponential', baseMs: 100, multiplier: 2, maxMs: 30_000 },
    });
    const exp = compileRetryPolicy({ maxAttempts: 3, backoff: 'exponential' }).backoff;
    expect([1, 2, 3, 20, 5_000].map((a) => delayForAttempt(exp, a))).toEqual([100, 200, 400, 30_000, 30_000]);
    const linear = compileRetryPolicy({ maxAttempts: 3, backoff: 'linear' }).backoff;
    expect([1, 2, 1_000].map((a) => delayForAttempt(linear, a))).toEqual([100, 200, 30_000]);
    expect(delayForAttempt(compileRetryPolicy({ maxAttempts: 1, backoff: 'fixed' }).backoff, 7)).toBe(1_000);
    expect(delayForAttempt(compileRetryPolicy({ maxAttempts: 1, backoff: 'none' }).backoff, 7)).toBe(0);
    expect(Object.isFrozen(compileRetryPolicy({ maxAttempts: 1 }))).toBe(true);
  });
});
