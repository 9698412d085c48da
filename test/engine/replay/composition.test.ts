import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import type { Task } from '../../../src/engine/replay/tasks.js';
import {
  TurnDriver,
  completeActivity,
  eventsOf,
  externalEvent,
  externalSubscribed,
  externalSubscribedCancelled,
  failActivity,
  fireTimer,
  history,
  kinds,
  raiseEvent,
  replayThenTurn,
  started,
} from '../../helpers/history-builders.js';

describe('all', () => {
  it('returns results in argument order whatever the completion order (scenario 9)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B'), ctx.scheduleActivity('C')]);
    });
    const t1 = driver.start();
    expect(kinds(t1.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ActivityScheduled'],
      [3, 'ActivityScheduled'],
      [4, 'ActivityScheduled'],
    ]);
    expect(driver.cached.openActivityIds()).toEqual([2, 3, 4]);
    driver.turn([completeActivity(4, 'c')]);
    expect(driver.cached.openActivityIds()).toEqual([2, 3]);
    driver.turn([completeActivity(2, 'a'), completeActivity(3, 'b')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"ok":"a"},{"ok":"b"},{"ok":"c"}]' });
  });

  it('reports a failed task as {err: message} without failing the orchestration', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]);
    });
    driver.start();
    driver.turn([failActivity(2, 'A broke')]);
    expect(driver.outcome).toEqual({ status: 'Running' });
    driver.turn([completeActivity(3, 'b')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"err":"A broke"},{"ok":"b"}]' });
  });

  it('all([]) resolves to [] at once', () => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([]);
    }).start();
    expect(t.outcome).toEqual({ status: 'Completed', output: '[]' });
  });

  it('allTyped parses JSON string results once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.allTyped([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]);
    });
    driver.start();
    driver.turn([completeActivity(2, '{"a":1}'), completeActivity(3, 'text')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[{"ok":{"a":1}},{"ok":"text"}]' });
  });

  it('joins mixed kinds: activity, timer, event, dequeue, sub-orchestration, syscall', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([
        ctx.scheduleActivity('A'),
        ctx.scheduleTimer(5),
        ctx.waitForEvent('E'),
        ctx.dequeueEvent('Q'),
        ctx.scheduleSubOrchestration('S'),
        ctx.utcNow(),
      ]);
    });
    const t1 = driver.start();
    expect(t1.delta.map((e) => e.type)).toEqual([
      'OrchestrationStarted',
      'ActivityScheduled',
      'TimerCreated',
      'ExternalSubscribed',
      'QueueSubscribed',
      'SubOrchestrationScheduled',
      'ActivityScheduled',
      'ActivityCompleted',
    ]);
    driver.turn([
      {
        type: 'SubOrchCompleted',
        instance: 'inst-1',
        execution_id: 1,
        id: 6,
        child_instance: 'inst-1::sub::6',
        result: '"s"',
      },
      { type: 'QueueMessage', instance: 'inst-1', name: 'Q', data: '"q"' },
      raiseEvent('E', 'e'),
      fireTimer(3),
      completeActivity(2, 'a'),
    ]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify([
        { ok: 'a' },
        { ok: null },
        { ok: 'e' },
        { ok: 'q' },
        { ok: 's' },
        { ok: driver.nowOf(0) },
      ]),
    });
  });
});

describe('race', () => {
  it('a timer that fires first wins; the activity gets ActivityCancelRequested{dropped_future} (scenario 12)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.scheduleActivity('Slow'), ctx.scheduleTimer(100));
    });
    driver.start();
    expect(driver.cached.openActivityIds()).toEqual([2]);
    const t2 = driver.turn([fireTimer(3)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 4, type: 'TimerFired', source_event_id: 3 }),
      expect.objectContaining({
        event_id: 5,
        type: 'ActivityCancelRequested',
        source_event_id: 2,
        reason: 'dropped_future',
      }),
      expect.objectContaining({
        event_id: 6,
        type: 'OrchestrationCompleted',
        output: '{"index":1,"value":null}',
      }),
    ]);
  });

  it('an activity that completes first wins; the losing timer gets no cancellation event (scenario 13)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const r: unknown = yield ctx.race(ctx.scheduleActivity('Fast'), ctx.scheduleTimer(60_000));
      yield ctx.scheduleActivity('Next');
      return r;
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'fast')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityCompleted', 2],
      [5, 'ActivityScheduled'],
    ]);
    // The loser timer fires later: recorded, ignored.
    const t3 = driver.turn([fireTimer(3)]);
    expect(kinds(t3.delta)).toEqual([[6, 'TimerFired', 3]]);
    expect(t3.outcome).toEqual({ status: 'Running' });
    driver.turn([completeActivity(5)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":"fast"}' });
  });

  it('the earliest completion in history wins, and replay picks it again (scenario 14)', () => {
    const code = function* (ctx: OrchestrationContext) {
      const r: { index: number; value: unknown } = yield ctx.race(
        ctx.waitForEvent('A'),
        ctx.waitForEvent('B'),
      );
      yield ctx.scheduleActivity('Record', r);
      return r;
    };
    const driver = new TurnDriver(code);
    driver.start();
    const t2 = driver.turn([raiseEvent('B', 'b'), raiseEvent('A', 'a')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ExternalEvent'],
      [5, 'ExternalSubscribedCancelled', 2],
      [6, 'ActivityScheduled'],
      [7, 'ExternalEvent'],
    ]);
    expect(t2.delta[2]).toMatchObject({ input: '{"index":1,"value":"b"}' });
    driver.turn([completeActivity(6)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":"b"}' });

    // The same from a hand-built history.
    const replayed = replayThenTurn(
      code,
      history(
        started(),
        externalSubscribed('A'),
        externalSubscribed('B'),
        externalEvent('B', 'b'),
        externalSubscribedCancelled(2),
        { type: 'ActivityScheduled', name: 'Record', input: '{"index":1,"value":"b"}' },
      ),
    );
    expect(replayed.outcome).toEqual({ status: 'Running' });
    expect(replayed.delta).toEqual([]);
  });

  it('within a batch the first applied completion wins, even for a later argument', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B'));
    });
    driver.start();
    const t2 = driver.turn([completeActivity(3, 'b'), completeActivity(2, 'a')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityCompleted', 3],
      [5, 'ActivityCancelRequested', 2],
      [6, 'OrchestrationCompleted'],
    ]);
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":"b"}' });
  });

  it("a loser's completion in the same batch is recorded after its breadcrumb and ignored", () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const r: unknown = yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B'));
      yield ctx.scheduleTimer(1);
      return r;
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'a'), completeActivity(3, 'b')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityCompleted', 2],
      [5, 'ActivityCancelRequested', 3],
      [6, 'TimerCreated'],
      [7, 'ActivityCompleted', 3],
    ]);
    expect(driver.cached.openActivityIds()).toEqual([]);
    driver.turn([fireTimer(6)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":"a"}' });
  });

  it('a failed winner yields its error message as the value', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleTimer(100));
    });
    driver.start();
    driver.turn([failActivity(2, 'A failed')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":"A failed"}' });
  });

  it('accepts n tasks as arguments or as one array; every loser is cancelled', () => {
    for (const make of [
      (ctx: OrchestrationContext, t: Task[]) => ctx.race(...t),
      (ctx: OrchestrationContext, t: Task[]) => ctx.race(t),
    ]) {
      const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
        return yield make(ctx, [
          ctx.scheduleActivity('A'),
          ctx.waitForEvent('E'),
          ctx.dequeueEvent('Q'),
          ctx.scheduleSubOrchestration('S'),
          ctx.scheduleTimer(1_000),
        ]);
      });
      driver.start();
      const t2 = driver.turn([fireTimer(6)]);
      expect(t2.delta.map((e) => [e.type, e.source_event_id, 'reason' in e ? e.reason : undefined])).toEqual([
        ['TimerFired', 6, undefined],
        ['ActivityCancelRequested', 2, 'dropped_future'],
        ['ExternalSubscribedCancelled', 3, 'dropped_future'],
        ['QueueSubscriptionCancelled', 4, 'dropped_future'],
        ['SubOrchestrationCancelRequested', 5, 'dropped_future'],
        ['OrchestrationCompleted', undefined, undefined],
      ]);
      expect(t2.outcome).toEqual({ status: 'Completed', output: '{"index":4,"value":null}' });
    }
  });

  it.each([0, 1])('race() with %i task(s) throws a clear TypeError at the yield', (count) => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      const tasks = [ctx.scheduleTimer(1)].slice(0, count);
      try {
        yield ctx.race(tasks);
      } catch (error) {
        return (error as Error).message;
      }
    }).start();
    expect(t.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify(`race() needs at least 2 tasks, got ${count}`),
    });
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationCompleted'],
    ]);
  });

  it('raceTyped parses a JSON string winner value once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.raceTyped(ctx.scheduleActivity('A'), ctx.scheduleTimer(1));
    });
    driver.start();
    driver.turn([completeActivity(2, '[1,2]')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":[1,2]}' });
  });
});

describe('nesting and generator branches', () => {
  it('race(all([A, B]), timer): when the timer wins, every open task of the join is cancelled', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(
        ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]),
        ctx.scheduleTimer(50),
      );
    });
    driver.start();
    driver.turn([completeActivity(2, 'a')]);
    const t3 = driver.turn([fireTimer(4)]);
    expect(kinds(t3.delta)).toEqual([
      [6, 'TimerFired', 4],
      [7, 'ActivityCancelRequested', 3],
      [8, 'OrchestrationCompleted'],
    ]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":null}' });
  });

  it('race(all([A, B]), timer): when the join finishes first it wins with the array', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(
        ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]),
        ctx.scheduleTimer(50),
      );
    });
    driver.start();
    driver.turn([completeActivity(3, 'b'), completeActivity(2, 'a')]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: '{"index":0,"value":[{"ok":"a"},{"ok":"b"}]}',
    });
  });

  it('all([race(A, t1), race(B, E)]) resolves each race independently', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.all([
        ctx.race(ctx.scheduleActivity('A'), ctx.scheduleTimer(10)),
        ctx.race(ctx.scheduleActivity('B'), ctx.waitForEvent('E')),
      ]);
    });
    driver.start();
    const t2 = driver.turn([fireTimer(3), raiseEvent('E', 'e')]);
    expect(kinds(t2.delta)).toEqual([
      [6, 'TimerFired', 3],
      [7, 'ActivityCancelRequested', 2],
      [8, 'ExternalEvent'],
      [9, 'ActivityCancelRequested', 4],
      [10, 'OrchestrationCompleted'],
    ]);
    expect(t2.outcome).toEqual({
      status: 'Completed',
      output: '[{"ok":{"index":1,"value":null}},{"ok":{"index":1,"value":"e"}}]',
    });
  });

  it('race(race(A, B), C) cancels the inner losers too', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.race(
        ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B')),
        ctx.scheduleActivity('C'),
      );
    });
    driver.start();
    const t2 = driver.turn([completeActivity(4, 'c')]);
    expect(kinds(t2.delta)).toEqual([
      [5, 'ActivityCompleted', 4],
      [6, 'ActivityCancelRequested', 2],
      [7, 'ActivityCancelRequested', 3],
      [8, 'OrchestrationCompleted'],
    ]);
    expect(t2.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":"c"}' });
  });

  it('generator objects are tasks: multi-step branches can be raced; the loser stops where it waits', () => {
    const steps: string[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* pipeline() {
        const a: string = yield ctx.scheduleActivity('Step1');
        const b: string = yield ctx.scheduleActivity('Step2', a);
        steps.push('pipeline finished');
        return `${a}+${b}`;
      }
      function* deadline() {
        yield ctx.scheduleTimer(1_000);
        return 'too slow';
      }
      return yield ctx.race(pipeline(), deadline());
    });
    driver.start();
    expect(kinds(driver.history)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ActivityScheduled'],
      [3, 'TimerCreated'],
    ]);
    const t2 = driver.turn([completeActivity(2, 'one')]);
    expect(t2.delta[1]).toMatchObject({
      event_id: 5,
      type: 'ActivityScheduled',
      name: 'Step2',
      input: '"one"',
    });
    const t3 = driver.turn([fireTimer(3)]);
    expect(kinds(t3.delta)).toEqual([
      [6, 'TimerFired', 3],
      [7, 'ActivityCancelRequested', 5],
      [8, 'OrchestrationCompleted'],
    ]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":"too slow"}' });
    expect(steps).toEqual([]);
  });

  it('a generator branch that finishes first wins with its return value', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* twoSteps() {
        const a: string = yield ctx.scheduleActivity('S1');
        const b: string = yield ctx.scheduleActivity('S2');
        return a + b;
      }
      return yield ctx.race(twoSteps(), ctx.scheduleTimer(1_000));
    });
    driver.start();
    driver.turn([completeActivity(2, 'x')]);
    driver.turn([completeActivity(5, 'y')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":"xy"}' });
  });

  it('all() over generator branches, one failing, collects {ok}/{err} in order', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* branch(name: string) {
        const v: string = yield ctx.scheduleActivity(name);
        if (v === 'bad') throw new Error(`${name} rejected`);
        return v.toUpperCase();
      }
      function* immediate() {
        return 'no yields';
      }
      return yield ctx.all([branch('A'), branch('B'), immediate()]);
    });
    driver.start();
    driver.turn([completeActivity(3, 'bad'), completeActivity(2, 'good')]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: '[{"ok":"GOOD"},{"err":"B rejected"},{"ok":"no yields"}]',
    });
  });

  it('a generator branch can itself use all() and race()', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* fanOut() {
        const parts: { ok?: unknown }[] = yield ctx.all([
          ctx.scheduleActivity('P1'),
          ctx.scheduleActivity('P2'),
        ]);
        const quick: { index: number } = yield ctx.race(ctx.scheduleActivity('P3'), ctx.scheduleTimer(5));
        return [parts.map((p) => p.ok), quick.index];
      }
      return yield ctx.race(fanOut(), ctx.waitForEvent('Abort'));
    });
    driver.start();
    driver.turn([completeActivity(2, 1), completeActivity(3, 2)]);
    expect(kinds(driver.history).slice(4)).toEqual([
      [5, 'ActivityCompleted', 2],
      [6, 'ActivityCompleted', 3],
      [7, 'ActivityScheduled'],
      [8, 'TimerCreated'],
    ]);
    const t3 = driver.turn([fireTimer(8)]);
    expect(kinds(t3.delta)).toEqual([
      [9, 'TimerFired', 8],
      [10, 'ActivityCancelRequested', 7],
      [11, 'ExternalSubscribedCancelled', 4],
      [12, 'OrchestrationCompleted'],
    ]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '{"index":0,"value":[[1,2],1]}' });
  });

  it('a branch that throws synchronously wins a race with its error message', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      function* broken(): Generator<Task, never, unknown> {
        throw new Error('broken branch');
      }
      return yield ctx.race(ctx.scheduleActivity('A'), broken());
    });
    const t = driver.start();
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ActivityScheduled'],
      [3, 'ActivityCancelRequested', 2],
      [4, 'OrchestrationCompleted'],
    ]);
    expect(t.outcome).toEqual({ status: 'Completed', output: '{"index":1,"value":"broken branch"}' });
  });

  it('a yield error inside all() leaves earlier siblings scheduled but harmless', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.all([ctx.scheduleActivity('A'), 'not a task' as never]);
      } catch (error) {
        return (error as Error).message;
      }
    });
    const t = driver.start();
    expect(t.outcome).toMatchObject({
      status: 'Completed',
      output: expect.stringContaining('orchestration yielded \\"not a task\\"'),
    });
    // The orphaned activity is cancelled as the orchestration ends.
    expect(eventsOf(t.delta, 'ActivityCancelRequested')).toEqual([
      expect.objectContaining({ source_event_id: 2, reason: 'orchestration_terminal_completed' }),
    ]);
  });
});
