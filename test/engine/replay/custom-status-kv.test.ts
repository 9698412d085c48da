import { describe, expect, expectTypeOf, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import {
  START_MS,
  TurnDriver,
  completeActivity,
  eventsOf,
  fireTimer,
  kinds,
} from '../../helpers/history-builders.js';

describe('custom status', () => {
  it('accepts any value in its types (strings as is, others JSON-encoded); reads back a string', () => {
    expectTypeOf<OrchestrationContext['setCustomStatus']>().parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf<OrchestrationContext['getCustomStatus']>().returns.toEqualTypeOf<string | null>();
  });

  it('records CustomStatusUpdated in causal order and reads back the latest value', () => {
    const seen: unknown[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setCustomStatus('v1');
      seen.push(ctx.getCustomStatus());
      yield ctx.scheduleActivity('A');
      ctx.setCustomStatus('v2');
      ctx.setCustomStatus({ progress: 50 }); // non-strings are JSON-encoded, as docs/guide.md says
      seen.push(ctx.getCustomStatus());
      yield ctx.scheduleTimer(1);
      ctx.resetCustomStatus();
      seen.push(ctx.getCustomStatus());
      return 'done';
    });
    const t1 = driver.start();
    expect(t1.delta.map((e) => [e.event_id, e.type, 'status' in e ? e.status : undefined])).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'CustomStatusUpdated', 'v1'],
      [3, 'ActivityScheduled', undefined],
    ]);
    expect(driver.cached.ctx.getCustomStatus()).toBe('v1');
    const t2 = driver.turn([completeActivity(3)]);
    expect(t2.delta.map((e) => [e.event_id, e.type, 'status' in e ? e.status : undefined])).toEqual([
      [4, 'ActivityCompleted', undefined],
      [5, 'CustomStatusUpdated', 'v2'],
      [6, 'CustomStatusUpdated', '{"progress":50}'],
      [7, 'TimerCreated', undefined],
    ]);
    const t3 = driver.turn([fireTimer(7)]);
    expect(t3.delta[1]).toMatchObject({ event_id: 9, type: 'CustomStatusUpdated', status: null });
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"done"' });
    expect(new Set(seen)).toEqual(new Set(['v1', '{"progress":50}', null]));
  });
});

describe('KV state', () => {
  it('records set, clear and clear-all, and answers reads from local state', () => {
    const reads: unknown[] = [];
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setValue('a', '1');
      ctx.setValue('b', 2 as never);
      reads.push(
        ctx.getValue('a'),
        ctx.getValue('b'),
        ctx.getKvLength(),
        ctx.getKvAllKeys(),
        ctx.getKvAllValues(),
      );
      yield ctx.scheduleActivity('A');
      ctx.clearValue('a');
      reads.push(ctx.getValue('a'), ctx.getKvAllKeys());
      ctx.clearAllValues();
      reads.push(ctx.getKvLength());
      return 'ok';
    });
    const t1 = driver.start();
    expect(t1.delta.slice(1)).toEqual([
      expect.objectContaining({
        event_id: 2,
        type: 'KeyValueSet',
        key: 'a',
        value: '1',
        last_updated_at_ms: START_MS,
      }),
      expect.objectContaining({
        event_id: 3,
        type: 'KeyValueSet',
        key: 'b',
        value: '2',
        last_updated_at_ms: START_MS,
      }),
      expect.objectContaining({ event_id: 4, type: 'ActivityScheduled' }),
    ]);
    const t2 = driver.turn([completeActivity(4)]);
    expect(kinds(t2.delta)).toEqual([
      [5, 'ActivityCompleted', 4],
      [6, 'KeyValueCleared'],
      [7, 'KeyValuesCleared'],
      [8, 'OrchestrationCompleted'],
    ]);
    expect(t2.delta[1]).toMatchObject({ key: 'a' });
    expect(reads.slice(0, 5)).toEqual(['1', '2', 2, ['a', 'b'], { a: '1', b: '2' }]);
    expect(reads.slice(-3)).toEqual([null, ['b'], 0]);
  });

  it('starts from the snapshot of previous executions', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        const before = ctx.getKvAllValues();
        ctx.setValue('fresh', 'x');
        yield ctx.scheduleTimer(1);
        return { before, after: ctx.getKvAllValues() };
      },
      { kvSnapshot: { old: { value: 'kept', lastUpdatedAtMs: 5 } } },
    );
    driver.start();
    driver.turn([fireTimer(3)]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({ before: { old: 'kept' }, after: { old: 'kept', fresh: 'x' } }),
    });
  });

  it('a read-modify-write loop over activities replays to the same values (scenario 52)', () => {
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        for (let i = 0; i < 5; i++) {
          const current = Number(ctx.getValue('counter') ?? '0');
          ctx.setValue('counter', String(current + 1));
          yield ctx.scheduleActivity('Step', current + 1);
        }
        return ctx.getValue('counter');
      },
      { kvSnapshot: { counter: { value: '10', lastUpdatedAtMs: 0 } } },
    );
    driver.start();
    for (let i = 0; i < 5; i++) {
      const open = eventsOf(driver.history, 'ActivityScheduled').at(-1)!;
      driver.turn([completeActivity(open.event_id)]);
    }
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"15"' });
    expect(eventsOf(driver.history, 'KeyValueSet').map((e) => e.value)).toEqual([
      '11',
      '12',
      '13',
      '14',
      '15',
    ]);
    expect(eventsOf(driver.history, 'ActivityScheduled').map((e) => e.input)).toEqual([
      '11',
      '12',
      '13',
      '14',
      '15',
    ]);
  });

  it('prunes keys last written before the cutoff, including snapshot keys and keys of this turn', () => {
    const pruned: number[] = [];
    const driver = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        ctx.setValue('t0', 'a');
        yield ctx.scheduleTimer(1);
        ctx.setValue('t1', 'b');
        // Keeps keys written at turn 1 or later.
        pruned.push(ctx.pruneKvValuesUpdatedBefore(START_MS + 1_000));
        const afterFirst = ctx.getKvAllKeys();
        ctx.setValue('t1b', 'c');
        // A cutoff in the future clears everything, keys set in this turn included.
        pruned.push(ctx.pruneKvValuesUpdatedBefore(Number.MAX_SAFE_INTEGER));
        return { afterFirst, end: ctx.getKvAllKeys() };
      },
      { kvSnapshot: { ancient: { value: 'x', lastUpdatedAtMs: 1 } } },
    );
    driver.start();
    const t2 = driver.turn([fireTimer(3)]);
    expect(t2.delta.map((e) => [e.type, 'key' in e ? e.key : undefined])).toEqual([
      ['TimerFired', undefined],
      ['KeyValueSet', 't1'],
      ['KeyValueCleared', 'ancient'],
      ['KeyValueCleared', 't0'],
      ['KeyValueSet', 't1b'],
      ['KeyValueCleared', 't1'],
      ['KeyValueCleared', 't1b'],
      ['OrchestrationCompleted', undefined],
    ]);
    expect(driver.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({ afterFirst: ['t1'], end: [] }),
    });
    expect(new Set(pruned)).toEqual(new Set([2]));
  });

  it('records last_updated_at_ms from the turn that wrote the key', () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(1);
      yield ctx.scheduleTimer(1);
      ctx.setValue('k', 'v');
    });
    driver.run([], [fireTimer(2)], [fireTimer(4)]);
    expect(eventsOf(driver.history, 'KeyValueSet')).toEqual([
      expect.objectContaining({ key: 'k', last_updated_at_ms: driver.nowOf(2) }),
    ]);
  });
});
