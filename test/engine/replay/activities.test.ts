import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { SYSCALL_NEW_GUID, SYSCALL_UTC_NOW } from '../../../src/engine/replay/tasks.js';
import {
  INSTANCE,
  START_MS,
  TurnDriver,
  activityCompleted,
  activityScheduled,
  appError,
  completeActivity,
  eventsOf,
  failActivity,
  failureOf,
  history,
  kinds,
  loose,
  replayThenTurn,
  started,
} from '../../helpers/history-builders.js';

function* hello(ctx: OrchestrationContext, name: string) {
  const greeting: string = yield ctx.scheduleActivity('Hello', name);
  return greeting;
}

describe('activities', () => {
  it('records exactly Started, ActivityScheduled, ActivityCompleted, Completed (scenario 1)', () => {
    const driver = new TurnDriver(hello, { input: 'Rust' });
    const first = driver.start();
    expect(first.outcome).toEqual({ status: 'Running' });
    expect(first.delta).toEqual([
      expect.objectContaining({
        event_id: 1,
        type: 'OrchestrationStarted',
        name: 'TestOrch',
        version: '1.0.0',
        input: '"Rust"',
      }),
      expect.objectContaining({ event_id: 2, type: 'ActivityScheduled', name: 'Hello', input: '"Rust"' }),
    ]);
    expect(first.delta[1]).not.toHaveProperty('session_id');
    expect(first.delta[1]).not.toHaveProperty('tag');
    expect(driver.cached.openActivityIds()).toEqual([2]);

    const second = driver.turn([completeActivity(2, 'Hello, Rust!')]);
    expect(second.outcome).toEqual({ status: 'Completed', output: '"Hello, Rust!"' });
    expect(kinds(driver.history)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ActivityScheduled'],
      [3, 'ActivityCompleted', 2],
      [4, 'OrchestrationCompleted'],
    ]);
    expect(driver.history[2]).toMatchObject({ result: '"Hello, Rust!"', timestamp_ms: START_MS + 1000 });
    expect(driver.history[3]).toMatchObject({ output: '"Hello, Rust!"' });
  });

  it('runs sequential activities, each scheduled only after the previous result', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const a: number = yield ctx.scheduleActivity('Add', [1, 2]);
      const b: number = yield ctx.scheduleActivity('Add', [a, 10]);
      return b;
    });
    driver.start();
    expect(kinds(driver.history)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'ActivityScheduled'],
    ]);
    const t2 = driver.turn([completeActivity(2, 3)]);
    expect(t2.delta).toEqual([
      expect.objectContaining({ event_id: 3, type: 'ActivityCompleted', source_event_id: 2 }),
      expect.objectContaining({ event_id: 4, type: 'ActivityScheduled', name: 'Add', input: '[3,10]' }),
    ]);
    const t3 = driver.turn([completeActivity(4, 13)]);
    expect(t3.outcome).toEqual({ status: 'Completed', output: '13' });
  });

  it('a turn with no messages changes nothing', () => {
    const driver = new TurnDriver(hello, { input: 'x' });
    driver.start();
    const idle = driver.turn([]);
    expect(idle).toMatchObject({ delta: [], outcome: { status: 'Running' } });
  });

  it('records session ids and tags (withTag and options)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.all([
        ctx.scheduleActivityOnSession('A', 1, 'sess-1'),
        ctx.scheduleActivity('B', 2).withTag('gpu'),
        ctx.scheduleActivity('C', 3, { sessionId: 's2', tag: 'cpu' }),
      ]);
    });
    driver.start();
    expect(
      eventsOf(driver.history, 'ActivityScheduled').map(({ name, session_id, tag }) => ({
        name,
        session_id,
        tag,
      })),
    ).toEqual([
      { name: 'A', session_id: 'sess-1', tag: undefined },
      { name: 'B', session_id: undefined, tag: 'gpu' },
      { name: 'C', session_id: 's2', tag: 'cpu' },
    ]);
  });

  it('throws an activity failure at the yield, where it can be caught', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivity('Flaky');
        return 'unreachable';
      } catch (error) {
        const e = error as Error & { details?: unknown };
        const compensated: string = yield ctx.scheduleActivity('Compensate', {
          message: e.message,
          details: e.details,
        });
        return compensated;
      }
    });
    driver.start();
    const t2 = driver.turn([failActivity(2, 'disk full')]);
    expect(t2.delta).toEqual([
      expect.objectContaining({
        event_id: 3,
        type: 'ActivityFailed',
        source_event_id: 2,
        details: appError('disk full'),
      }),
      expect.objectContaining({
        event_id: 4,
        type: 'ActivityScheduled',
        name: 'Compensate',
        input: JSON.stringify({ message: 'disk full', details: appError('disk full') }),
      }),
    ]);
    driver.turn([completeActivity(4, 'rolled back')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"rolled back"' });
  });

  it('keeps the failed activity error type as the thrown error name', () => {
    const seen: string[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivity('A');
      } catch (error) {
        seen.push(`${(error as Error).name}:${(error as Error).message}`);
        throw error;
      }
    });
    driver.start();
    driver.turn([
      failActivity(2, {
        category: 'application',
        kind: 'ActivityFailed',
        message: 'bad',
        retryable: false,
        type: 'RangeError',
      }),
    ]);
    // Once on the cached path, once on the full-replay path.
    expect(seen).toEqual(['RangeError:bad', 'RangeError:bad']);
    // Re-thrown, the failure stays the activity's: its kind, message and error class.
    expect(failureOf(driver.outcome)).toEqual({
      category: 'application',
      kind: 'ActivityFailed',
      message: 'bad',
      retryable: false,
      type: 'RangeError',
    });
  });

  it('an uncaught activity failure fails the orchestration (dispatch true)', () => {
    const driver = new TurnDriver(hello, { input: 'x' });
    driver.start();
    const t2 = driver.turn([failActivity(2, 'nope')]);
    expect(t2.outcome).toMatchObject({
      status: 'Failed',
      dispatch: true,
      // The activity's failure as the worker stored it, not the Error rebuilt at the yield.
      details: { category: 'application', kind: 'ActivityFailed', message: 'nope', retryable: false },
    });
    expect(failureOf(t2.outcome)).not.toHaveProperty('type');
    expect(kinds(t2.delta)).toEqual([
      [3, 'ActivityFailed', 2],
      [4, 'OrchestrationFailed'],
    ]);
  });

  it('activity and orchestration payloads round-trip as JSON values', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext, input: { n: number; tags: string[] }) {
        const out: unknown = yield ctx.scheduleActivity('Echo', { ...input, extra: null });
        const missing: unknown = yield ctx.scheduleActivity('NoInput');
        return { out, missing };
      },
      { input: { n: 1, tags: ['a'] } },
    );
    driver.start();
    expect(driver.history[1]).toMatchObject({ input: '{"n":1,"tags":["a"],"extra":null}' });
    driver.turn([completeActivity(2, { ok: [1, 2] })]);
    expect(driver.history[3]).toMatchObject({ name: 'NoInput', input: 'null' });
    driver.turn([completeActivity(4)]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '{"out":{"ok":[1,2]},"missing":null}' });
  });

  it('typed variants parse a string result that holds JSON once more', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const plain: unknown = yield ctx.scheduleActivity('A');
      const typed: unknown = yield ctx.scheduleActivityTyped('A');
      const notJson: unknown = yield ctx.scheduleActivityTyped('A');
      return [plain, typed, notJson];
    });
    driver.start();
    driver.turn([completeActivity(2, '{"x":1}')]);
    driver.turn([completeActivity(4, '{"x":1}')]);
    driver.turn([completeActivity(6, 'plain text')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["{\\"x\\":1}",{"x":1},"plain text"]' });
  });

  it('a task descriptor is inert data: each yield of it schedules anew, an unyielded one never', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.scheduleActivity('NeverYielded');
      const task = ctx.scheduleActivity('Twice', 1);
      const a: unknown = yield task;
      const b: unknown = yield task;
      return [a, b];
    });
    driver.start();
    driver.turn([completeActivity(2, 'first')]);
    driver.turn([completeActivity(4, 'second')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '["first","second"]' });
    expect(eventsOf(driver.history, 'ActivityScheduled').map((e) => e.name)).toEqual(['Twice', 'Twice']);
  });

  it('several completions in one batch are applied in message order', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const results: unknown = yield ctx.all([ctx.scheduleActivity('A'), ctx.scheduleActivity('B')]);
      const c: unknown = yield ctx.scheduleActivity('C');
      return [results, c];
    });
    driver.start();
    const t2 = driver.turn([completeActivity(3, 'b'), completeActivity(2, 'a')]);
    expect(kinds(t2.delta)).toEqual([
      [4, 'ActivityCompleted', 3],
      [5, 'ActivityCompleted', 2],
      [6, 'ActivityScheduled'],
    ]);
    driver.turn([completeActivity(6, 'c')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '[[{"ok":"a"},{"ok":"b"}],"c"]' });
  });
});

describe('orchestration results and failures', () => {
  it('a generator that returns at once completes in the first turn', () => {
    const driver = new TurnDriver(
      function* (_ctx: OrchestrationContext, input: number) {
        return input * 2;
      },
      { input: 21 },
    );
    const t = driver.start();
    expect(t.outcome).toEqual({ status: 'Completed', output: '42' });
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationCompleted'],
    ]);
  });

  it('a plain (non-generator) function result completes the orchestration; undefined becomes null', () => {
    expect(new TurnDriver(loose(() => 'sync')).start().outcome).toEqual({
      status: 'Completed',
      output: '"sync"',
    });
    expect(new TurnDriver(loose(() => undefined)).start().outcome).toEqual({
      status: 'Completed',
      output: 'null',
    });
  });

  it('an error thrown immediately fails with exactly 2 events (scenario 2)', () => {
    const driver = new TurnDriver(function* () {
      throw new Error('oops');
    });
    const t = driver.start();
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationFailed'],
    ]);
    expect(t.outcome).toMatchObject({
      status: 'Failed',
      dispatch: true,
      details: {
        category: 'application',
        kind: 'OrchestrationFailed',
        message: 'oops',
        retryable: false,
        type: 'Error',
      },
    });
    expect((failureOf(t.outcome) as { stack?: string }).stack).toContain('oops');
    expect(t.delta[1]).toMatchObject({ details: { message: 'oops' } });
  });

  it('a synchronous throw from a plain function fails the same way', () => {
    const t = new TurnDriver(
      loose(() => {
        throw new TypeError('bad input');
      }),
    ).start();
    expect(t.outcome).toMatchObject({
      status: 'Failed',
      details: { kind: 'OrchestrationFailed', message: 'bad input', type: 'TypeError' },
    });
  });

  it('keeps the cause chain of a thrown error', () => {
    const t = new TurnDriver(function* () {
      throw new Error('outer', { cause: new RangeError('inner') });
    }).start();
    expect(failureOf(t.outcome)).toMatchObject({
      message: 'outer',
      cause: { message: 'inner', type: 'RangeError' },
    });
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['a number', 42, '42'],
    ['an object', { code: 'E1' }, '{"code":"E1"}'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
  ])('a thrown non-Error value (%s) becomes the failure message', (_label, value, message) => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A');
      throw value;
    });
    driver.start();
    const t = driver.turn([completeActivity(2)]);
    const details = failureOf(t.outcome);
    expect(details).toEqual({
      category: 'application',
      kind: 'OrchestrationFailed',
      message,
      retryable: false,
    });
  });

  it('an output that cannot be stored as JSON fails the orchestration instead of throwing', () => {
    const t = new TurnDriver(function* () {
      return { big: 10n };
    }).start();
    expect(t.outcome).toMatchObject({
      status: 'Failed',
      dispatch: true,
      details: {
        kind: 'OrchestrationFailed',
        type: 'TypeError',
        message: expect.stringMatching(/^orchestration output cannot be stored as JSON: /),
      },
    });
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationFailed'],
    ]);
  });

  it('an activity input that cannot be stored as JSON throws in the code, where it can be caught', () => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      try {
        yield ctx.scheduleActivity('A', circular);
      } catch (error) {
        return `caught ${(error as Error).name}`;
      }
    }).start();
    expect(t.outcome).toEqual({ status: 'Completed', output: '"caught TypeError"' });
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationCompleted'],
    ]);
  });

  it('rejects an async-function handler with a clear failure and no unhandled rejection', async () => {
    const t = new TurnDriver(
      loose(async () => {
        await Promise.resolve();
        throw new Error('async body failed');
      }),
    ).start();
    expect(t.outcome).toMatchObject({
      status: 'Failed',
      dispatch: true,
      details: { kind: 'OrchestrationFailed', type: 'TypeError' },
    });
    expect(failureOf(t.outcome)).toMatchObject({
      message:
        'orchestration "TestOrch" returned a Promise: orchestrations must be generator functions (function*), which durox can replay',
    });
    // Let the rejected promise settle: vitest fails the run on an unhandled rejection, which
    // Node reports once the current macrotask ends.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('yielding a value that is not a task throws a clear TypeError at the yield', () => {
    const caught: string[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        yield 42 as never;
      } catch (error) {
        caught.push((error as Error).message);
      }
      yield { then: () => undefined } as never;
      return yield ctx.scheduleActivity('Never');
    });
    const t = driver.start();
    expect(caught[0]).toBe(
      'orchestration yielded 42, which is not a durox task (yield ctx.scheduleActivity(...), ctx.scheduleTimer(...), ctx.all([...]) ...)',
    );
    expect(t.outcome).toMatchObject({
      status: 'Failed',
      details: {
        kind: 'OrchestrationFailed',
        type: 'TypeError',
        message: expect.stringContaining('orchestration yielded a Promise'),
      },
    });
    expect(kinds(t.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'OrchestrationFailed'],
    ]);
  });

  it('yielding a rejected Promise fails clearly without an unhandled rejection', async () => {
    const t = new TurnDriver(function* () {
      yield Promise.reject(new Error('rejected')) as never;
    }).start();
    expect(failureOf(t.outcome)).toMatchObject({
      message: expect.stringContaining('orchestration yielded a Promise'),
    });
    // As above: an unhandled rejection would be reported before this resolves.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('yielding undefined (a forgotten task) fails with a message naming it', () => {
    const t = new TurnDriver(function* () {
      yield undefined as never;
    }).start();
    expect(failureOf(t.outcome)).toMatchObject({
      message: expect.stringMatching(/^orchestration yielded undefined, which is not a durox task/),
    });
  });

  it('context state methods called outside the turn throw a sentence naming the method', () => {
    let saved: OrchestrationContext | undefined;
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      saved = ctx;
      yield ctx.scheduleActivity('A');
    });
    driver.start();
    expect(() => saved!.setCustomStatus('x')).toThrow(
      /ctx\.setCustomStatus\(\) was called outside the orchestration's turn/,
    );
    expect(() => saved!.setValue('k', 'v')).toThrow(/ctx\.setValue\(\)/);
    expect(() => saved!.clearValue('k')).toThrow(/ctx\.clearValue\(\)/);
    expect(() => saved!.clearAllValues()).toThrow(/ctx\.clearAllValues\(\)/);
    expect(() => saved!.pruneKvValuesUpdatedBefore(0)).toThrow(/ctx\.pruneKvValuesUpdatedBefore\(\)/);
    // Reads stay available.
    expect(saved!.getValue('k')).toBeNull();
    expect(saved!.instanceId).toBe(INSTANCE);
  });

  it('exposes instance, execution, name and version on the context', () => {
    const seen: unknown[] = [];
    new TurnDriver(
      function* (ctx: OrchestrationContext) {
        seen.push([ctx.instanceId, ctx.executionId, ctx.orchestrationName, ctx.orchestrationVersion]);
      },
      { instanceId: 'abc', executionId: 3, name: 'Named', version: '2.1.0' },
    ).start();
    expect(seen[0]).toEqual(['abc', 3, 'Named', '2.1.0']);
  });
});

describe('deterministic system calls', () => {
  it('records utcNow and newGuid as syscall activities completed in the same turn (scenario 50)', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      const now: number = yield ctx.utcNow();
      const id: string = yield ctx.newGuid();
      yield ctx.scheduleActivity('Use', { now, id });
      const later: number = yield ctx.utcNow();
      return { now, id, later };
    });
    const t1 = driver.start();
    expect(
      t1.delta.map((e) => [e.event_id, e.type, 'name' in e ? e.name : undefined, e.source_event_id]),
    ).toEqual([
      [1, 'OrchestrationStarted', 'TestOrch', undefined],
      [2, 'ActivityScheduled', SYSCALL_UTC_NOW, undefined],
      [3, 'ActivityCompleted', undefined, 2],
      [4, 'ActivityScheduled', SYSCALL_NEW_GUID, undefined],
      [5, 'ActivityCompleted', undefined, 4],
      [6, 'ActivityScheduled', 'Use', undefined],
    ]);
    expect(t1.delta[1]).toMatchObject({ input: '' });
    const guid = JSON.parse((t1.delta[4] as { result: string }).result) as string;
    expect(t1.delta[2]).toMatchObject({ result: String(START_MS) });
    expect(t1.delta[5]).toMatchObject({ input: JSON.stringify({ now: START_MS, id: guid }) });
    // Syscalls are not open activities for the worker.
    expect(driver.cached.openActivityIds()).toEqual([6]);

    driver.turn([completeActivity(6)]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({ now: START_MS, id: guid, later: START_MS + 1000 }),
    });
  });

  it('replays recorded syscall values instead of asking again', () => {
    const events = history(
      started(),
      activityScheduled(SYSCALL_NEW_GUID, undefined),
      activityCompleted(2, 'recorded-guid'),
      activityScheduled('Use', 'recorded-guid'),
    );
    // Syscall inputs are the empty string, not JSON null.
    (events[1] as { input: string }).input = '';
    const result = replayThenTurn(
      function* (ctx: OrchestrationContext) {
        const id: string = yield ctx.newGuid();
        return yield ctx.scheduleActivity('Use', id);
      },
      events,
      [completeActivity(4, 'done')],
    );
    expect(result.outcome).toEqual({ status: 'Completed', output: '"done"' });
  });

  it('getValueFromInstance is a built-in activity with the instance and key as input', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      return yield ctx.getValueFromInstance('other', 'k');
    });
    driver.start();
    expect(driver.history[1]).toMatchObject({
      type: 'ActivityScheduled',
      name: '__durox_syscall:get_kv_value',
      input: '{"instance_id":"other","key":"k"}',
    });
    expect(driver.cached.openActivityIds()).toEqual([2]);
    driver.turn([completeActivity(2, 'v')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"v"' });
  });
});
