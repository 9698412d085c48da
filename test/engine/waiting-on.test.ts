/**
 * deriveWaitingOn over synthetic histories and over histories the replay engine records (the
 * TurnDriver), so the derivation agrees with how the engine matches completions, events and
 * queue messages.
 */
import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../src/engine/replay/context.js';
import { deriveWaitingOn, nothingWaitedOn } from '../../src/engine/waiting-on.js';
import {
  START_MS,
  TurnDriver,
  activityCancelRequested,
  activityCompleted,
  activityFailed,
  activityScheduled,
  enqueue,
  externalEvent,
  externalSubscribed,
  externalSubscribedCancelled,
  failActivity,
  fireTimer,
  history,
  openTimers,
  orchestrationChained,
  queueEventDelivered,
  queueSubscribed,
  raiseEvent,
  started,
  subOrchestrationCompleted,
  subOrchestrationScheduled,
  timerCreated,
  timerFired,
} from '../helpers/history-builders.js';

describe('deriveWaitingOn (synthetic histories)', () => {
  it('lists open activities, timers, events, queues and children in recorded order', () => {
    const events = history(
      started(),
      activityScheduled('A', 1, { tag: 'gpu', session_id: 's-1' }),
      activityScheduled('B', 2),
      activityCompleted(3, 'b'),
      timerCreated(START_MS + 5_000),
      externalSubscribed('approve'),
      queueSubscribed('inbox'),
      subOrchestrationScheduled('Child', 'inst-1::sub::8'),
      subOrchestrationScheduled('Child', 'inst-1::sub::9'),
      subOrchestrationCompleted(9, 'done'),
      orchestrationChained('Detached', 'detached-1'),
    );
    expect(deriveWaitingOn(events)).toEqual({
      activities: [{ name: 'A', attempt: 1, scheduledAtMs: START_MS, tag: 'gpu', sessionId: 's-1' }],
      timers: [{ fireAtMs: START_MS + 5_000 }],
      events: ['approve'],
      queues: ['inbox'],
      children: ['inst-1::sub::8'],
    });
  });

  it('closes what completed, fired, failed or was cancelled', () => {
    const events = history(
      started(),
      activityScheduled('A'),
      activityScheduled('B'),
      timerCreated(START_MS + 10),
      externalSubscribed('x'),
      activityFailed(2, 'boom'),
      activityCancelRequested(3),
      timerFired(4),
      externalSubscribedCancelled(5),
    );
    expect(deriveWaitingOn(events)).toEqual(nothingWaitedOn());
  });

  it('an event goes to the oldest open wait of its name; one raised before any wait is lost', () => {
    const events = history(
      started(),
      externalEvent('x', 'early'),
      externalSubscribed('x'),
      externalSubscribed('x'),
      externalSubscribed('y'),
      externalEvent('x', 1),
    );
    expect(deriveWaitingOn(events).events).toEqual(['x', 'y']);
  });

  it('a queue message waits in the buffer for the next dequeue', () => {
    const early = history(started(), queueEventDelivered('q', 1), queueSubscribed('q'));
    expect(deriveWaitingOn(early).queues).toEqual([]);
    const waiting = history(started(), queueSubscribed('q'), queueSubscribed('q'), queueEventDelivered('q'));
    expect(deriveWaitingOn(waiting).queues).toEqual(['q']);
  });

  it('a terminal history waits on nothing, and so does an empty one', () => {
    const events = history(started(), activityScheduled('A'), {
      type: 'OrchestrationContinuedAsNew',
      input: 'null',
    });
    expect(deriveWaitingOn(events)).toEqual(nothingWaitedOn());
    expect(deriveWaitingOn([])).toEqual(nothingWaitedOn());
  });

  it('counts an identical schedule after a failure as the next attempt, after a success as a new call', () => {
    const retried = history(
      started(),
      activityScheduled('Flaky', 1),
      activityFailed(2, 'first'),
      timerCreated(START_MS + 100),
      timerFired(4),
      activityScheduled('Flaky', 1),
      activityFailed(6, 'second'),
      activityScheduled('Flaky', 1),
    );
    expect(deriveWaitingOn(retried).activities).toEqual([
      { name: 'Flaky', attempt: 3, scheduledAtMs: START_MS },
    ]);
    const again = history(
      started(),
      activityScheduled('Flaky', 1),
      activityCompleted(2),
      activityScheduled('Flaky', 1),
      activityScheduled('Flaky', 2),
    );
    expect(deriveWaitingOn(again).activities.map((a) => a.attempt)).toEqual([1, 1]);
  });
});

describe('deriveWaitingOn (histories the engine records)', () => {
  it('follows scheduleActivityWithRetry attempt by attempt', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivityWithRetry('Flaky', { x: 1 }, { maxAttempts: 3, backoff: 'fixed' });
    });
    driver.start();
    expect(deriveWaitingOn(driver.history).activities).toMatchObject([{ name: 'Flaky', attempt: 1 }]);
    driver.turn([failActivity(2, 'first')]);
    const waitingForBackoff = deriveWaitingOn(driver.history);
    expect(waitingForBackoff.activities).toEqual([]);
    expect(waitingForBackoff.timers).toEqual([{ fireAtMs: driver.nowOf(1) + 1000 }]);
    const timer = openTimers(driver.history)[0]!;
    driver.turn([fireTimer(timer.event_id, timer.fire_at_ms)]);
    expect(deriveWaitingOn(driver.history)).toEqual({
      ...nothingWaitedOn(),
      activities: [{ name: 'Flaky', attempt: 2, scheduledAtMs: driver.nowOf(2) }],
    });
  });

  it('a race lost by an event wait closes the wait; the next wait takes the next event', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.waitForEvent('x'), ctx.scheduleTimer(30));
      const a: unknown = yield ctx.waitForEvent('x');
      const b: unknown = yield ctx.dequeueEvent('q');
      return [a, b];
    });
    driver.start();
    expect(deriveWaitingOn(driver.history)).toMatchObject({ events: ['x'], timers: [{}] });
    const timer = openTimers(driver.history)[0]!;
    driver.turn([fireTimer(timer.event_id, timer.fire_at_ms)]);
    expect(deriveWaitingOn(driver.history)).toMatchObject({ events: ['x'], timers: [] });
    driver.turn([raiseEvent('x', 1)]);
    expect(deriveWaitingOn(driver.history)).toEqual({ ...nothingWaitedOn(), queues: ['q'] });
    driver.turn([enqueue('q', 2)]);
    expect(driver.finished).toBe(true);
    expect(deriveWaitingOn(driver.history)).toEqual(nothingWaitedOn());
  });

  it('a dequeue that lost a race gives its message back to the next dequeue', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.dequeueEvent('q'), ctx.waitForEvent('go'));
      yield ctx.waitForEvent('next');
      return yield ctx.dequeueEvent('q');
    });
    driver.start();
    // The event and the message arrive in one batch: the race is won by the event, and the
    // message the losing dequeue took goes back to the queue.
    driver.turn([raiseEvent('go'), enqueue('q', 'm')]);
    expect(deriveWaitingOn(driver.history)).toEqual({ ...nothingWaitedOn(), events: ['next'] });
    driver.turn([raiseEvent('next')]);
    expect(driver.finished).toBe(true);
  });

  it('lists a running sub-orchestration by its instance id', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('Child', null);
    });
    driver.start();
    expect(deriveWaitingOn(driver.history)).toEqual({ ...nothingWaitedOn(), children: ['inst-1::sub::2'] });
  });
});
