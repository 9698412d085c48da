import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import {
  START_MS,
  TurnDriver,
  completeActivity,
  eventsOf,
  fireTimer,
  kinds,
} from '../../helpers/history-builders.js';

describe('timers', () => {
  it('records TimerCreated with fire_at = turn time + delay and resumes with null on TimerFired', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const fired: unknown = yield ctx.scheduleTimer(5_000);
      return { fired };
    });
    const t1 = driver.start();
    expect(t1.delta[1]).toMatchObject({ event_id: 2, type: 'TimerCreated', fire_at_ms: START_MS + 5_000 });
    expect(t1.delta[1]).not.toHaveProperty('source_event_id');
    // Timers are not activities.
    expect(driver.cached.openActivityIds()).toEqual([]);
    const t2 = driver.turn([fireTimer(2, START_MS + 5_000)]);
    expect(t2.delta[0]).toMatchObject({
      event_id: 3,
      type: 'TimerFired',
      source_event_id: 2,
      fire_at_ms: START_MS + 5_000,
    });
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"fired":null}' });
  });

  it('clamps zero, negative and non-numeric delays to 0', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([ctx.scheduleTimer(0), ctx.scheduleTimer(-50), ctx.scheduleTimer(Number.NaN)]);
    });
    driver.start();
    expect(eventsOf(driver.history, 'TimerCreated').map((e) => e.fire_at_ms)).toEqual([
      START_MS,
      START_MS,
      START_MS,
    ]);
    driver.turn([fireTimer(2), fireTimer(3), fireTimer(4)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"ok":null},{"ok":null},{"ok":null}]' });
  });

  it('computes later timers from the time of the turn that creates them', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      yield ctx.scheduleTimer(60_000);
    });
    driver.start();
    driver.turn([completeActivity(2)]);
    expect(driver.history[3]).toMatchObject({ type: 'TimerCreated', fire_at_ms: driver.nowOf(1) + 60_000 });
  });

  it('a timer left pending when the orchestration ends gets no breadcrumb', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const r: unknown = yield ctx.race(ctx.scheduleActivity('Fast'), ctx.scheduleTimer(60_000));
      return r;
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'ok')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityCompleted', 2],
      [5, 'OrchestrationCompleted'],
    ]);
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":"ok"}' });
  });

  it('a timer loop replays with the same number of timers', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      for (let i = 0; i < 3; i++) yield ctx.scheduleTimer(1_000 * (i + 1));
      return 'done';
    });
    driver.start();
    driver.turn([fireTimer(2)]);
    driver.turn([fireTimer(4)]);
    driver.turn([fireTimer(6)]);
    expect(kinds(driver.history)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'TimerCreated'],
      [3, 'TimerFired', 2],
      [4, 'TimerCreated'],
      [5, 'TimerFired', 4],
      [6, 'TimerCreated'],
      [7, 'TimerFired', 6],
      [8, 'OrchestrationCompleted'],
    ]);
  });
});
