import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import type { ErrorDetails } from '../../../src/core/failure.js';
import type { EventSpec } from '../../helpers/history-builders.js';
import {
  TurnDriver,
  activityFailed,
  completeActivity,
  completeSubOrch,
  eventsOf,
  failActivity,
  failSubOrch,
  fireTimer,
  history,
  kinds,
  replayThenTurn,
  started,
  subOrchestrationCompleted,
  subOrchestrationScheduled,
} from '../../helpers/history-builders.js';

const P = { instanceId: 'P' };

describe('sub-orchestrations', () => {
  it('names an auto child P::sub::<event id of the schedule> (scenario 44)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('First');
      const a: unknown = yield ctx.scheduleSubOrchestration('Child', { n: 1 });
      return a;
    }, P);
    driver.start();
    const t2 = driver.turn([completeActivity(2, null, P)]);
    expect(t2.delta[1]).toMatchObject({
      event_id: 4,
      type: 'SubOrchestrationScheduled',
      name: 'Child',
      instance: 'P::sub::4',
      input: '{"n":1}',
    });
    expect(t2.delta[1]).not.toHaveProperty('version');
    expect(driver.cached.childInstanceOf(4)).toBe('P::sub::4');
    expect(driver.fresh.childInstanceOf(4)).toBe('P::sub::4');
    // Sub-orchestrations are not activities.
    expect(driver.cached.openActivityIds()).toEqual([]);
    const t3 = driver.turn([completeSubOrch(4, 'child out', P)]);
    expect(t3.delta[0]).toMatchObject({
      event_id: 5,
      type: 'SubOrchestrationCompleted',
      source_event_id: 4,
      result: '"child out"',
    });
    expect(t3.outcome).toEqual({ status: 'Completed', output: '"child out"' });
  });

  it('uses an explicit id exactly, and records a pinned version', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([
        ctx.scheduleSubOrchestrationWithId('Child', 'my-id', 1),
        ctx.scheduleSubOrchestrationVersioned('Child', '1.2.0', 2),
        ctx.scheduleSubOrchestrationVersionedWithId('Child', '2.0.0', 'pinned-id', 3),
        ctx.scheduleSubOrchestrationVersioned('Child', null, 4),
      ]);
    }, P);
    driver.start();
    expect(
      eventsOf(driver.history, 'SubOrchestrationScheduled').map(({ event_id, instance, version }) => [
        event_id,
        instance,
        version,
      ]),
    ).toEqual([
      [2, 'my-id', undefined],
      [3, 'P::sub::3', '1.2.0'],
      [4, 'pinned-id', '2.0.0'],
      [5, 'P::sub::5', undefined],
    ]);
    driver.turn([
      completeSubOrch(2, 'a', { ...P, child: 'my-id' }),
      completeSubOrch(3, 'b', P),
      completeSubOrch(4, 'c', { ...P, child: 'pinned-id' }),
      completeSubOrch(5, 'd', P),
    ]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: '[{"ok":"a"},{"ok":"b"},{"ok":"c"},{"ok":"d"}]',
    });
  });

  it('keeps the child id recorded in history on replay (ids are not compared)', () => {
    const events = history(
      started(),
      subOrchestrationScheduled('Child', 'legacy-id', 7),
      subOrchestrationCompleted(2, 'ok'),
    );
    const result = replayThenTurn(function* (ctx: OrchestrationContext) {
      const r: unknown = yield ctx.scheduleSubOrchestration('Child', 7);
      yield ctx.scheduleTimer(0);
      return r;
    }, events);
    expect(result.outcome).toEqual({ status: 'Running' });
    expect(result.exec.childInstanceOf(2)).toBe('legacy-id');
    expect(kinds(result.delta)).toEqual([[4, 'TimerCreated']]);
  });

  it('throws a child application failure at the yield; the parent can compensate (scenario 45)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleSubOrchestration('Child');
        return 'unreachable';
      } catch (error) {
        yield ctx.scheduleActivity('Compensate', (error as Error).message);
        return 'compensated';
      }
    }, P);
    driver.start();
    const t2 = driver.turn([failSubOrch(2, 'bad', P)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({
        type: 'SubOrchestrationFailed',
        source_event_id: 2,
        details: expect.objectContaining({ message: 'bad' }),
      }),
      expect.objectContaining({ type: 'ActivityScheduled', name: 'Compensate', input: '"bad"' }),
    ]);
    driver.turn([completeActivity(4, null, P)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"compensated"' });
  });

  it('a cancelled child surfaces as "canceled: <reason>"', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleSubOrchestration('Child');
      } catch (error) {
        return (error as Error).message;
      }
    }, P);
    driver.start();
    driver.turn([
      failSubOrch(
        2,
        { category: 'application', kind: 'Cancelled', reason: 'by_admin', message: '', retryable: false },
        P,
      ),
    ]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"canceled: by_admin"' });
  });

  it.each<[string, ErrorDetails]>([
    [
      'poison',
      {
        category: 'poison',
        attempt_count: 6,
        max_attempts: 5,
        message_type: { kind: 'Orchestration', instance: 'P::sub::2', execution_id: 1 },
        message: 'poison: orchestration P::sub::2 exceeded 6 attempts (max 5)',
      },
    ],
    [
      'infrastructure',
      { category: 'infrastructure', operation: 'ack', message: 'disk gone', retryable: false },
    ],
    [
      'configuration',
      { category: 'configuration', kind: 'Nondeterminism', resource: 'Child', message: 'mismatch' },
    ],
  ])(
    'a child %s failure is not catchable: the parent fails with the same details (scenario 46)',
    (_label, details) => {
      const caught: unknown[] = [];
      const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
        try {
          yield ctx.scheduleSubOrchestration('Child');
        } catch (error) {
          caught.push(error);
          yield ctx.scheduleActivity('Compensate');
        }
      }, P);
      driver.start();
      const t2 = driver.turn([failSubOrch(2, details, P)]);
      expect(caught).toEqual([]);
      expect(t2.outcome).toEqual({ status: 'Failed', details, dispatch: false });
      expect(kinds(t2.delta)).toEqual([
        [3, 'SubOrchestrationFailed', 2],
        [4, 'OrchestrationFailed'],
      ]);
      expect(t2.delta[1]).toMatchObject({ details });
    },
  );

  it('an activity failing with non-application details also aborts the orchestration', () => {
    const details: ErrorDetails = {
      category: 'poison',
      attempt_count: 4,
      max_attempts: 3,
      message_type: {
        kind: 'Activity',
        instance: 'inst-1',
        execution_id: 1,
        activity_name: 'A',
        activity_id: 2,
      },
      message: 'poison: activity A#2 exceeded 4 attempts (max 3)',
    };
    const code = function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivity('A');
      } catch {
        return 'caught';
      }
    };
    const driver = new TurnDriver(code);
    driver.start();
    const t2 = driver.turn([failActivity(2, details)]);
    expect(t2.outcome).toEqual({ status: 'Failed', details, dispatch: false });
    // Replaying such a history (a completion with non-application details) fails the same way.
    const replayed = replayThenTurn(
      code,
      history(started(), { type: 'ActivityScheduled', name: 'A', input: 'null' }, {
        ...activityFailed(2, 'x'),
        details,
      } as EventSpec),
    );
    expect(replayed.outcome).toEqual({ status: 'Failed', details, dispatch: false });
    expect(kinds(replayed.delta)).toEqual([[4, 'OrchestrationFailed']]);
  });

  it('a child that loses a race gets SubOrchestrationCancelRequested{dropped_future}', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.scheduleSubOrchestration('Slow'), ctx.scheduleTimer(1_000));
    }, P);
    driver.start();
    const t2 = driver.turn([fireTimer(3, 0, P)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 4, type: 'TimerFired' }),
      expect.objectContaining({
        event_id: 5,
        type: 'SubOrchestrationCancelRequested',
        source_event_id: 2,
        reason: 'dropped_future',
      }),
      expect.objectContaining({
        event_id: 6,
        type: 'OrchestrationCompleted',
        output: '{"index":1,"value":null}',
      }),
    ]);
    // A late child completion is recorded but changes nothing (the parent has finished here,
    // so only the cached execution can show it; it is dropped with the halted turn).
  });

  it('scheduleSubOrchestrationTyped parses a JSON string result once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestrationTyped('Child');
    }, P);
    driver.start();
    driver.turn([completeSubOrch(2, '{"deep":true}', P)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"deep":true}' });
  });
});

describe('detached orchestrations', () => {
  it('records OrchestrationChained with the exact instance, resolves to null at once (scenario 47)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const started: unknown = yield ctx.startOrchestration('Chained', 'W1', 'A');
      const v: unknown = yield ctx.scheduleActivity('Then');
      return [started, v];
    }, P);
    const t1 = driver.start();
    expect(t1.delta).toEqual([
      expect.objectContaining({ event_id: 1, type: 'OrchestrationStarted' }),
      expect.objectContaining({
        event_id: 2,
        type: 'OrchestrationChained',
        name: 'Chained',
        instance: 'W1',
        input: '"A"',
      }),
      expect.objectContaining({ event_id: 3, type: 'ActivityScheduled', name: 'Then' }),
    ]);
    expect(t1.delta[1]).not.toHaveProperty('version');
    driver.turn([completeActivity(3, 'x', P)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[null,"x"]' });
  });

  it('records a version for startOrchestrationVersioned; null means latest', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.startOrchestrationVersioned('C', '3.0.0', 'W1', 1);
      yield ctx.startOrchestrationVersioned('C', null, 'W2', 2);
      yield ctx.startOrchestrationTyped('C', 'W3', 3);
      return 'ok';
    }, P);
    const t = driver.start();
    expect(
      eventsOf(t.delta, 'OrchestrationChained').map(({ instance, version, input }) => [
        instance,
        version,
        input,
      ]),
    ).toEqual([
      ['W1', '3.0.0', '1'],
      ['W2', undefined, '2'],
      ['W3', undefined, '3'],
    ]);
    // Detached starts are never cancelled by the parent: no breadcrumbs at the end.
    expect(kinds(t.delta).at(-1)).toEqual([5, 'OrchestrationCompleted']);
    expect(t.outcome).toEqual({ status: 'Completed', output: '"ok"' });
  });
});
