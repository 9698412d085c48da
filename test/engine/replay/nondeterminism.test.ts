import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { ExecutionState } from '../../../src/engine/replay/execution.js';
import type { OrchestrationHandler } from '../../../src/engine/replay/execution.js';
import type { Task } from '../../../src/engine/replay/tasks.js';
import { displayMessage } from '../../../src/core/failure.js';
import type { EventSpec } from '../../helpers/history-builders.js';
import {
  START_MS,
  TurnDriver,
  activityCancelRequested,
  activityCompleted,
  activityScheduled,
  completeActivity,
  completeSubOrch,
  customStatusUpdated,
  expectNondeterminism,
  externalSubscribed,
  failureOf,
  fireTimer,
  history,
  keyValueSet,
  kinds,
  loose,
  orchestrationChained,
  queueSubscribed,
  replayThenTurn,
  started,
  subOrchestrationScheduled,
  timerCreated,
  timerFired,
} from '../../helpers/history-builders.js';

function* one(ctx: OrchestrationContext, task: () => unknown): Generator<Task, unknown, unknown> {
  yield task() as never;
  return yield ctx.scheduleTimer(1);
}

/** An orchestration that yields the task made by `make`, then waits on a timer. */
function yielding(make: (ctx: OrchestrationContext) => unknown): OrchestrationHandler {
  return (ctx: OrchestrationContext) => one(ctx, () => make(ctx));
}

describe('nondeterminism: emitted action vs recorded schedule', () => {
  it('a changed activity name fails with "schedule mismatch" naming both sides (scenario 39)', () => {
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleActivity('B1')),
      history(started(), activityScheduled('A1')),
    );
    const message = expectNondeterminism(result.outcome);
    expect(message).toBe(
      'schedule mismatch: action=ActivityScheduled(name="B1", input=null) vs event=ActivityScheduled(name="A1", input=null) (event_id 2)',
    );
    expect(failureOf(result.outcome)).toEqual({
      category: 'configuration',
      kind: 'Nondeterminism',
      resource: 'TestOrch',
      message,
    });
    expect(displayMessage(failureOf(result.outcome))).toBe(`nondeterministic: ${message}`);
    // Detected during replay: only the terminal event is recorded, after the persisted history.
    expect(kinds(result.delta)).toEqual([[3, 'OrchestrationFailed']]);
    expect(result.delta[0]).toMatchObject({ details: failureOf(result.outcome) });
  });

  it.each<[string, (ctx: OrchestrationContext) => unknown, EventSpec, string]>([
    ['activity input', (ctx) => ctx.scheduleActivity('A', 2), activityScheduled('A', 1), 'input=2'],
    [
      'activity tag gpu -> cpu',
      (ctx) => ctx.scheduleActivity('A').withTag('cpu'),
      activityScheduled('A', undefined, { tag: 'gpu' }),
      'tag="cpu"',
    ],
    [
      'activity tag gpu -> none',
      (ctx) => ctx.scheduleActivity('A'),
      activityScheduled('A', undefined, { tag: 'gpu' }),
      'tag="gpu"',
    ],
    [
      'activity session',
      (ctx) => ctx.scheduleActivityOnSession('A', null, 's2'),
      activityScheduled('A', null, { session_id: 's1' }),
      'session="s2"',
    ],
    ['kind: timer vs activity', (ctx) => ctx.scheduleTimer(5), activityScheduled('A'), 'action=TimerCreated'],
    ['event name', (ctx) => ctx.waitForEvent('Y'), externalSubscribed('X'), 'ExternalSubscribed(name="Y")'],
    ['queue name', (ctx) => ctx.dequeueEvent('q2'), queueSubscribed('q1'), 'QueueSubscribed(name="q1")'],
    ['event vs queue', (ctx) => ctx.dequeueEvent('X'), externalSubscribed('X'), 'action=QueueSubscribed'],
    [
      'sub-orchestration name',
      (ctx) => ctx.scheduleSubOrchestration('Other', 1),
      subOrchestrationScheduled('Child', 'inst-1::sub::2', 1),
      'name="Other"',
    ],
    [
      'sub-orchestration input',
      (ctx) => ctx.scheduleSubOrchestration('Child', 2),
      subOrchestrationScheduled('Child', 'inst-1::sub::2', 1),
      'input=2',
    ],
    [
      'detached target instance',
      (ctx) => ctx.startOrchestration('C', 'W2', 1),
      orchestrationChained('C', 'W1', 1),
      'instance="W2"',
    ],
    ['syscall vs activity', (ctx) => ctx.utcNow(), activityScheduled('A'), '__durox_syscall:utc_now_ms'],
  ])('a changed %s fails with a schedule mismatch (scenario 42)', (_label, make, recorded, fragment) => {
    const result = replayThenTurn(yielding(make), history(started(), recorded));
    expectNondeterminism(result.outcome, 'schedule mismatch: action=', fragment, '(event_id 2)');
  });

  it('a changed KV value or key, or a different KV operation, is a mismatch (scenario 42)', () => {
    const setting = (key: string, value: string) =>
      function* (ctx: OrchestrationContext) {
        ctx.setValue(key, value);
        yield ctx.scheduleTimer(1);
      };
    const events = history(started(), keyValueSet('k', 'v1'));
    expectNondeterminism(
      replayThenTurn(setting('k', 'v2'), events).outcome,
      'action=KeyValueSet(key="k", value="v2") vs event=KeyValueSet(key="k", value="v1")',
    );
    expectNondeterminism(replayThenTurn(setting('other', 'v1'), events).outcome, 'KeyValueSet(key="other"');
    expectNondeterminism(
      replayThenTurn(function* (ctx: OrchestrationContext) {
        ctx.clearValue('k');
        yield ctx.scheduleTimer(1);
      }, events).outcome,
      'action=KeyValueCleared(key="k") vs event=KeyValueSet',
    );
    // Same key and value with a different timestamp is fine.
    const same = replayThenTurn(setting('k', 'v1'), history(started(), keyValueSet('k', 'v1', 42)));
    expect(same.outcome).toEqual({ status: 'Running' });
  });

  it('history has a schedule but the still-waiting code emitted nothing: "history schedule but no emitted action"', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.scheduleTimer(10);
      },
      history(started(), timerCreated(START_MS + 10), activityScheduled('Extra', 'x')),
    );
    expect(expectNondeterminism(result.outcome)).toBe(
      'history schedule but no emitted action: event 3 ActivityScheduled(name="Extra", input="x")',
    );
  });

  it('history has a detached start the code no longer makes', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.waitForEvent('E');
      },
      history(started(), externalSubscribed('E'), orchestrationChained('C', 'W1')),
    );
    expectNondeterminism(
      result.outcome,
      'history schedule but no emitted action: event 3 OrchestrationChained(name="C", instance="W1"',
    );
  });

  it('a recorded dropped_future cancellation the new code no longer makes is nondeterminism (scenario 43)', () => {
    // Old code: race(A, B), A won, B cancelled; then it scheduled C.
    const events = history(
      started(),
      activityScheduled('A'),
      activityScheduled('B'),
      activityCompleted(2, 'a'),
      activityCancelRequested(3),
      activityScheduled('C'),
    );
    const raced = function* (ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
      yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B'));
      return yield ctx.scheduleActivity('C');
    };
    expect(replayThenTurn(raced, events).outcome).toEqual({ status: 'Running' });

    // New code waits for both: B is never dropped.
    const joined = function* (ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
      yield ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]);
      return yield ctx.scheduleActivity('C');
    };
    expectNondeterminism(
      replayThenTurn(joined, events).outcome,
      'history schedule but no emitted action: event 5 ActivityCancelRequested(source=3)',
    );
  });

  it('a breadcrumb for a different schedule is a mismatch naming both sources', () => {
    const events = history(
      started(),
      activityScheduled('A'),
      activityScheduled('B'),
      activityCompleted(3, 'b'),
      activityCancelRequested(3),
    );
    const result = replayThenTurn(function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B'));
      return yield ctx.scheduleTimer(1);
    }, events);
    expectNondeterminism(
      result.outcome,
      'schedule mismatch: action=ActivityCancelRequested(source=2) vs event=ActivityCancelRequested(source=3)',
    );
  });

  it('new code that drops a future the old code did not is a mismatch when history continues', () => {
    const events = history(
      started(),
      activityScheduled('A'),
      activityScheduled('B'),
      activityCompleted(2, 'a'),
      activityCompleted(3, 'b'),
      activityScheduled('C'),
    );
    const result = replayThenTurn(function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleActivity('B'));
      return yield ctx.scheduleActivity('C');
    }, events);
    expectNondeterminism(
      result.outcome,
      'action=ActivityCancelRequested(source=3) vs event=ActivityScheduled(name="C"',
    );
  });
});

describe('nondeterminism: completions', () => {
  it('a recorded completion for a schedule of another kind: "completion kind mismatch"', () => {
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleTimer(5)),
      history(started(), timerCreated(0), activityCompleted(2, 'x')),
    );
    expect(expectNondeterminism(result.outcome)).toBe(
      'completion kind mismatch: event 3 ActivityCompleted completes a timer (source 2)',
    );
  });

  it('an incoming completion for a schedule of another kind (scenario 40)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(60_000);
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2, 'x')]);
    expect(expectNondeterminism(t2.outcome, 'kind mismatch', 'timer', 'activity')).toBe(
      "completion kind mismatch for id=2, expected 'timer', got 'activity'",
    );
    expect(kinds(t2.delta)).toEqual([[3, 'OrchestrationFailed']]);
  });

  it('a sub-orchestration completion for an activity id', () => {
    const driver = new TurnDriver(yielding((ctx) => ctx.scheduleActivity('A')));
    driver.start();
    const t2 = driver.turn([completeSubOrch(2, 'x')]);
    expectNondeterminism(
      t2.outcome,
      "completion kind mismatch for id=2, expected 'activity', got 'subOrchestration'",
    );
  });

  it.each([
    ['activity', completeActivity(999, 'x'), 'no matching schedule for completion id=999'],
    ['timer', fireTimer(999), 'no matching schedule for timer id=999'],
    ['sub-orchestration', completeSubOrch(999, 'x'), 'no matching schedule for sub-orchestration id=999'],
  ])(
    'an incoming %s completion with an unknown id: "no matching schedule" (scenario 41)',
    (_label, message, expected) => {
      const driver = new TurnDriver(yielding((ctx) => ctx.scheduleActivity('A')));
      driver.start();
      const t2 = driver.turn([message]);
      expect(expectNondeterminism(t2.outcome, 'no matching schedule', '999')).toBe(expected);
      // Detected live: the open activity gets its terminal breadcrumb before the failure.
      expect(kinds(t2.delta)).toEqual([
        [3, 'ActivityCancelRequested', 2],
        [4, 'OrchestrationFailed'],
      ]);
    },
  );

  it('an incoming completion that names a non-completable event (a subscription) has no schedule', () => {
    const driver = new TurnDriver(yielding((ctx) => ctx.waitForEvent('E')));
    driver.start();
    expectNondeterminism(
      driver.turn([completeActivity(2)]).outcome,
      'no matching schedule for completion id=2',
    );
  });

  it('a recorded completion whose source is unknown: "completion without open schedule"', () => {
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleActivity('A')),
      history(started(), activityScheduled('A'), activityCompleted(7, 'x')),
    );
    expect(expectNondeterminism(result.outcome)).toBe(
      'completion without open schedule: event 3 ActivityCompleted (source 7)',
    );
  });

  it('a duplicate completion in history: "completion without open schedule"', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.scheduleActivity('A');
        yield ctx.scheduleTimer(1);
      },
      history(
        started(),
        activityScheduled('A'),
        activityCompleted(2, 'x'),
        timerCreated(0),
        activityCompleted(2, 'x'),
      ),
    );
    expectNondeterminism(
      result.outcome,
      'completion without open schedule: event 5 ActivityCompleted (source 2)',
    );
  });

  it('a recorded completion that arrives before its schedule is matched', () => {
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleTimer(1)),
      history(started(), timerFired(2), timerCreated(0)),
    );
    expectNondeterminism(result.outcome, 'completion without open schedule: event 2 TimerFired (source 2)');
  });
});

describe('nondeterminism: corrupted history', () => {
  it('"corrupted history: first event must be OrchestrationStarted"', () => {
    const events = history(started(), activityScheduled('A')).slice(1);
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleActivity('A')),
      events,
    );
    expect(expectNondeterminism(result.outcome)).toBe(
      'corrupted history: first event must be OrchestrationStarted',
    );
    expect(result.delta).toEqual([expect.objectContaining({ event_id: 2, type: 'OrchestrationFailed' })]);
  });

  it('"corrupted history: empty" when a turn runs with no history and no start', () => {
    const exec = new ExecutionState({ instanceId: 'i', executionId: 1, handler: loose(() => 1) });
    exec.replay([]);
    const result = exec.runTurn({ now: START_MS, newGuid: () => 'g', messages: [completeActivity(2)] });
    expect(expectNondeterminism(result.outcome)).toBe('corrupted history: empty');
  });

  it('a second OrchestrationStarted', () => {
    const result = replayThenTurn(
      yielding((ctx) => ctx.scheduleActivity('A')),
      history(started(), activityScheduled('A'), started()),
    );
    expectNondeterminism(result.outcome, 'duplicate OrchestrationStarted at event 3');
  });
});

describe('tolerated differences (not nondeterminism)', () => {
  it('code that finishes before consuming all history completes', () => {
    const events = history(
      started(),
      activityScheduled('A'),
      activityCompleted(2, 'a'),
      activityScheduled('B'),
      timerCreated(0),
    );
    const result = replayThenTurn(function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('A');
    }, events);
    expect(result.outcome).toEqual({ status: 'Completed', output: '"a"' });
    expect(kinds(result.delta)).toEqual([[6, 'OrchestrationCompleted']]);
  });

  it('code that returns at once over a history with an unawaited schedule completes', () => {
    const result = replayThenTurn(
      loose(() => 'now'),
      history(started(), activityScheduled('Old')),
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '"now"' });
  });

  it('a changed timer duration replays', () => {
    const events = history(
      started(),
      timerCreated(START_MS + 5_000),
      timerFired(2, START_MS + 5_000),
      activityScheduled('After'),
    );
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        yield ctx.scheduleTimer(99_999);
        return yield ctx.scheduleActivity('After');
      },
      events,
      [completeActivity(4, 'ok')],
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '"ok"' });
  });

  it('a changed custom status text replays', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        ctx.setCustomStatus('new wording');
        return yield ctx.scheduleActivity('A');
      },
      history(started(), customStatusUpdated('old wording'), activityScheduled('A')),
      [completeActivity(3, 1)],
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '1' });
    expect(result.exec.ctx.getCustomStatus()).toBe('new wording');
  });

  it('a changed sub-orchestration version or child id replays', () => {
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        return yield ctx.scheduleSubOrchestrationVersionedWithId('Child', '9.0.0', 'new-id', 1);
      },
      history(started(), {
        ...subOrchestrationScheduled('Child', 'old-id', 1),
        version: '1.0.0',
      } as EventSpec),
      [completeSubOrch(2, 'r', { child: 'old-id' })],
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '"r"' });
  });

  it('a changed cancellation reason replays', () => {
    const events = history(
      started(),
      activityScheduled('A'),
      timerCreated(0),
      timerFired(3),
      activityCancelRequested(2, 'some older reason'),
    );
    const result = replayThenTurn(function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.scheduleActivity('A'), ctx.scheduleTimer(1));
      return yield ctx.scheduleActivity('Next');
    }, events);
    expect(result.outcome).toEqual({ status: 'Running' });
    expect(result.delta).toEqual([
      expect.objectContaining({ event_id: 6, type: 'ActivityScheduled', name: 'Next' }),
    ]);
  });

  it('actions beyond the recorded history are recorded first in the next turn', () => {
    // New code also starts a timer alongside A; history only has A.
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        return yield ctx.all([ctx.scheduleActivity('A'), ctx.scheduleTimer(10)]);
      },
      history(started(), activityScheduled('A')),
      [completeActivity(2, 'a')],
    );
    expect(kinds(result.delta)).toEqual([
      [3, 'TimerCreated'],
      [4, 'ActivityCompleted', 2],
    ]);
    expect(result.outcome).toEqual({ status: 'Running' });
  });
});
