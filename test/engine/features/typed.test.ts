/**
 * Typed variants through the real runtime on a SQLite file: a string result holding JSON is
 * parsed once more; the client and registration `*Typed` methods are aliases.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

describe('typed variants (file SQLite)', () => {
  it('scheduleActivityTyped, allTyped and raceTyped parse string results holding JSON', async () => {
    // No cache: later turns replay, and replayed values must be parsed the same way.
    const h = await createHarness({ orchestrationCacheSize: 0 });
    h.runtime.registerActivity('JsonText', async () => '{"a":1,"b":[true,null]}');
    h.runtime.registerActivity('NumberText', async () => '42');
    h.runtime.registerActivity('PlainText', async () => 'not json');
    h.runtime.registerActivity('Object', async () => ({ a: 1 }));
    h.runtime.registerActivity('Fails', async () => {
      throw new Error('nope');
    });
    h.runtime.registerOrchestration('Typed', function* (ctx) {
      const untyped = yield ctx.scheduleActivity('JsonText');
      const typed = yield ctx.scheduleActivityTyped('JsonText');
      const number = yield ctx.scheduleActivityTyped('NumberText');
      const plain = yield ctx.scheduleActivityTyped('PlainText');
      const object = yield ctx.scheduleActivityTyped('Object');
      const joined = yield ctx.allTyped([
        ctx.scheduleActivity('JsonText'),
        ctx.scheduleActivity('NumberText'),
        ctx.scheduleActivity('Fails'),
      ]);
      const joinedUntyped = yield ctx.all([ctx.scheduleActivity('NumberText')]);
      const raced = yield ctx.raceTyped(ctx.scheduleActivity('JsonText'), ctx.scheduleTimer(60_000));
      const racedUntyped = yield ctx.race(ctx.scheduleActivity('NumberText'), ctx.scheduleTimer(60_000));
      return { untyped, typed, number, plain, object, joined, joinedUntyped, raced, racedUntyped };
    });
    await h.runtime.start();
    await h.client.startOrchestration('ty1', 'Typed');
    const status = await h.client.waitForOrchestration('ty1', 10_000);
    expect(status.status).toBe('Completed');
    expect(status.output).toEqual({
      untyped: '{"a":1,"b":[true,null]}',
      typed: { a: 1, b: [true, null] },
      number: 42,
      plain: 'not json',
      object: { a: 1 },
      joined: [{ ok: { a: 1, b: [true, null] } }, { ok: 42 }, { err: 'nope' }],
      joinedUntyped: [{ ok: '42' }],
      raced: { index: 0, value: { a: 1, b: [true, null] } },
      racedUntyped: { index: 0, value: '42' },
    });
  });

  it('typed sessions, retries, sub-orchestrations, events and queues parse JSON text too', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    let attempts = 0;
    h.runtime.registerActivityTyped('JsonText', async () => '{"k":"v"}');
    h.runtime.registerActivity('FlakyJson', async () => {
      if (++attempts < 2) throw new Error('transient');
      return '[1,2]';
    });
    h.runtime.registerOrchestrationTyped('ChildJson', function* () {
      return '{"child":true}';
    });
    h.runtime.registerOrchestration('TypedMore', function* (ctx) {
      const session = yield ctx.scheduleActivityOnSessionTyped('JsonText', null, 's');
      const retried = yield ctx.scheduleActivityWithRetryTyped('FlakyJson', null, {
        maxAttempts: 3,
        backoff: 'none',
      });
      const child = yield ctx.scheduleSubOrchestrationTyped('ChildJson');
      const childUntyped = yield ctx.scheduleSubOrchestration('ChildJson');
      const event = yield ctx.waitForEventTyped('evt');
      const queued = yield ctx.dequeueEventTyped('q');
      return { session, retried, child, childUntyped, event, queued };
    });
    await h.runtime.start();
    await h.client.startOrchestrationTyped('ty2', 'TypedMore');
    await eventually(async () => (await h.kinds('ty2')).includes('ExternalSubscribed'));
    await h.client.raiseEventTyped('ty2', 'evt', '{"e":1}');
    await eventually(async () => (await h.kinds('ty2')).includes('QueueSubscribed'));
    await h.client.enqueueEventTyped('ty2', 'q', '{"m":2}');
    const output = await h.client.waitForOrchestrationTyped('ty2', 10_000);
    expect(output).toEqual({
      session: { k: 'v' },
      retried: [1, 2],
      child: { child: true },
      childUntyped: '{"child":true}',
      event: { e: 1 },
      queued: { m: 2 },
    });
  });

  it('client and context *Typed aliases behave like the plain methods', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestrationVersionedTyped('Versioned', '1.0.0', function* (_ctx, input: unknown) {
      return { version: '1.0.0', input };
    });
    h.runtime.registerOrchestrationVersioned('Versioned', '2.0.0', function* (_ctx, input: unknown) {
      return { version: '2.0.0', input };
    });
    h.runtime.registerOrchestration('Chains', function* (ctx, n: number) {
      if (n === 0) {
        yield ctx.startOrchestrationTyped('Versioned', 'chained-latest', { from: 'ctx' });
        yield ctx.startOrchestrationVersionedTyped('Versioned', '1.0.0', 'chained-v1', { from: 'ctx' });
        return yield ctx.continueAsNewTyped(1);
      }
      return `execution ${ctx.executionId}`;
    });
    h.runtime.registerOrchestration('Boom', function* () {
      throw new Error('typed failure');
    });
    await h.runtime.start();
    await h.client.startOrchestrationVersionedTyped('pinned', 'Versioned', { x: 1 }, '1.0.0');
    await h.client.startOrchestrationTyped('latest', 'Versioned', { x: 2 });
    await h.client.startOrchestration('chains', 'Chains', 0);
    await h.client.startOrchestrationTyped('boom', 'Boom');
    expect(await h.client.waitForOrchestrationTyped('pinned', 10_000)).toEqual({
      version: '1.0.0',
      input: { x: 1 },
    });
    expect(await h.client.waitForOrchestrationTyped('latest', 10_000)).toEqual({
      version: '2.0.0',
      input: { x: 2 },
    });
    expect(await h.client.waitForOrchestrationTyped('chains', 10_000)).toBe('execution 2');
    expect(await h.client.waitForOrchestrationTyped('chained-latest', 10_000)).toEqual({
      version: '2.0.0',
      input: { from: 'ctx' },
    });
    expect(await h.client.waitForOrchestrationTyped('chained-v1', 10_000)).toEqual({
      version: '1.0.0',
      input: { from: 'ctx' },
    });
    await expect(h.client.waitForOrchestrationTyped('boom', 10_000)).rejects.toThrow('typed failure');
  });
});
