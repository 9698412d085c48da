/**
 * Typed definitions and `yield*` through the real runtime (SQLite file; PostgreSQL in the
 * engine-on-postgres project): the same orchestration written with definitions and `yield*` and
 * with the untyped API and `yield` records the same history; every kind of task works with
 * `yield*`, mixed with `yield`; typed client calls; registration errors.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';
import {
  defineActivity,
  defineOrchestration,
  isDuroxError,
  type ActivityContext,
  type HistoryEvent,
  type OrchestrationContext,
} from '../../../src/index.js';
import { SYSCALL_NEW_GUID, SYSCALL_UTC_NOW } from '../../../src/engine/replay/tasks.js';

interface Order {
  sku: string;
  qty: number;
}

// One function per activity, shared by both styles, so failure stacks match too.
const reserve = async (_ctx: ActivityContext, order: Order): Promise<string> =>
  `reserved ${order.qty} ${order.sku}`;
const price = async (_ctx: ActivityContext, qty: number): Promise<number> => qty * 10;

function flaky(): (ctx: ActivityContext, n: number) => Promise<number> {
  let calls = 0;
  return async (_ctx, n) => {
    calls += 1;
    if (calls === 1) throw new Error('transient');
    return n + 1;
  };
}

function* childCode(_ctx: OrchestrationContext, n: number) {
  return n * 2;
}

const RETRY = { maxAttempts: 3, backoff: 'none' } as const;

/** The untyped (duroxide-node) style: names, `yield`, results typed by annotations. */
function registerUntyped(h: Harness): void {
  h.runtime.registerActivity('Reserve', reserve);
  h.runtime.registerActivity('Price', price);
  h.runtime.registerActivity('Flaky', flaky());
  h.runtime.registerOrchestrationVersioned('Child', '2.0.0', childCode);
  h.runtime.registerOrchestration('Order', function* (ctx, order: Order) {
    const reserved: string = yield ctx.scheduleActivity('Reserve', order);
    yield ctx.scheduleTimer(10);
    const approval: { by: string } = yield ctx.waitForEvent('approval');
    const note: string = yield ctx.dequeueEvent('notes');
    const doubled: number = yield ctx.scheduleSubOrchestrationVersioned('Child', '2.0.0', order.qty);
    const prices = yield ctx.all([ctx.scheduleActivity('Price', 1), ctx.scheduleActivity('Price', 2)]);
    const raced = yield ctx.race(ctx.scheduleActivity('Price', 3), ctx.scheduleTimer(60_000));
    const now: number = yield ctx.utcNow();
    const guid: string = yield ctx.newGuid();
    const retried: number = yield ctx.scheduleActivityWithRetry('Flaky', 41, RETRY);
    return {
      reserved,
      by: approval.by,
      note,
      doubled,
      prices,
      raced,
      now: now > 0,
      guid: guid.length,
      retried,
    };
  });
}

/** The typed style: definitions and `yield*`, mixed with a plain `yield` whose value is unused. */
function registerTyped(h: Harness): void {
  const reserveDef = defineActivity('Reserve', reserve);
  const priceDef = defineActivity('Price', price);
  const flakyDef = defineActivity('Flaky', flaky());
  const child = defineOrchestration({ name: 'Child', version: '2.0.0' }, childCode);
  const order = defineOrchestration('Order', function* (ctx, order: Order) {
    const reserved = yield* ctx.run(reserveDef, order);
    yield ctx.scheduleTimer(10);
    const approval = yield* ctx.waitForEvent<{ by: string }>('approval');
    const note = yield* ctx.dequeueEvent<string>('notes');
    const doubled = yield* ctx.runSubOrchestration(child, order.qty);
    const prices = yield* ctx.all([ctx.run(priceDef, 1), ctx.run(priceDef, 2)]);
    const raced = yield* ctx.race(ctx.run(priceDef, 3), ctx.scheduleTimer(60_000));
    const now = yield* ctx.utcNow();
    const guid = yield* ctx.newGuid();
    const retried = yield* ctx.run(flakyDef, 41, { retry: RETRY });
    return {
      reserved,
      by: approval.by,
      note,
      doubled,
      prices,
      raced,
      now: now > 0,
      guid: guid.length,
      retried,
    };
  });
  h.runtime.register(reserveDef, priceDef, flakyDef, child, order);
}

/**
 * History without what legitimately differs between two runs: times, GUIDs, stacks, and the
 * order in which results of activities running at once arrived (a slot in the middle of a
 * fetch may take the second of two activities while eager dispatch hands it the first).
 */
function normalize(events: HistoryEvent[]): unknown[] {
  return sortConcurrentResults(normalizeEvents(events));
}

/** Sorts each run of consecutive activity results by the event that scheduled them. */
function sortConcurrentResults(events: Record<string, unknown>[]): unknown[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < events.length;) {
    let end = i;
    while (end < events.length && events[end]!.type === 'ActivityCompleted') end++;
    if (end === i) {
      out.push(events[i++]!);
      continue;
    }
    const run = events.slice(i, end);
    const ids = run.map((e) => e.event_id);
    run.sort((a, b) => Number(a.source_event_id) - Number(b.source_event_id));
    run.forEach((e, k) => out.push({ ...e, event_id: ids[k] }));
    i = end;
  }
  return out;
}

function normalizeEvents(events: HistoryEvent[]): Record<string, unknown>[] {
  const syscalls = new Set(
    events
      .filter(
        (e) => e.type === 'ActivityScheduled' && (e.name === SYSCALL_NEW_GUID || e.name === SYSCALL_UTC_NOW),
      )
      .map((e) => e.event_id),
  );
  return events.map((e) => {
    const { timestamp_ms: _time, fire_at_ms: _fireAt, ...rest } = e as HistoryEvent & Record<string, unknown>;
    if (e.type === 'ActivityCompleted' && syscalls.has(e.source_event_id!))
      return { ...rest, result: '<recorded>' };
    if (e.type === 'ActivityFailed' && e.details.category === 'application') {
      const { stack: _stack, ...details } = e.details;
      return { ...rest, details };
    }
    return rest;
  });
}

async function runOrder(h: Harness, id: string): Promise<unknown> {
  await h.runtime.start();
  await h.client.startOrchestration(id, 'Order', { sku: 'mug', qty: 2 });
  await eventually(async () => (await h.kinds(id)).includes('ExternalSubscribed'));
  await h.client.raiseEvent(id, 'approval', { by: 'ann' });
  await eventually(async () => (await h.kinds(id)).includes('QueueSubscribed'));
  await h.client.enqueueEvent(id, 'notes', 'fragile');
  const status = await h.client.waitForOrchestration(id, 20_000);
  expect(status.status, status.error).toBe('Completed');
  return status.output;
}

describe('typed definitions and yield* (file SQLite)', () => {
  it('the typed and the untyped orchestration record identical histories and outputs', async () => {
    // No cache and one worker: every turn replays (yield* on the replay path too), and
    // activities complete in a fixed order.
    const options = { orchestrationCacheSize: 0, workerConcurrency: 1 };
    const untyped = await createHarness(options);
    registerUntyped(untyped);
    const typed = await createHarness(options);
    registerTyped(typed);
    const untypedOutput = await runOrder(untyped, 'same-id');
    const typedOutput = await runOrder(typed, 'same-id');
    expect(typedOutput).toEqual(untypedOutput);
    expect(typedOutput).toEqual({
      reserved: 'reserved 2 mug',
      by: 'ann',
      note: 'fragile',
      doubled: 4,
      prices: [{ ok: 10 }, { ok: 20 }],
      raced: { index: 0, value: 30 },
      now: true,
      guid: 36,
      retried: 42,
    });
    const [child] = await untyped.client.listChildren('same-id');
    expect(await typed.client.listChildren('same-id')).toEqual([child]);
    for (const id of ['same-id', child!]) {
      const untypedHistory = normalize(await untyped.history(id));
      expect(untypedHistory.length).toBeGreaterThanOrEqual(2);
      expect(normalize(await typed.history(id))).toEqual(untypedHistory);
    }
    expect((await typed.history(child!))[0]).toMatchObject({
      type: 'OrchestrationStarted',
      version: '2.0.0',
    });
  });

  it('client.start and client.waitFor run a definition and type its output', async () => {
    const h = await createHarness();
    const greet = defineActivity('Greet', async (_ctx, name: string) => `hello ${name}`);
    const hello = defineOrchestration('Hello', function* (ctx, input: { name: string }) {
      return { greeting: yield* ctx.run(greet, input.name) };
    });
    const boom = defineOrchestration('Boom', function* (ctx) {
      yield* ctx.scheduleTimer(1);
      throw new Error('typed boom');
    });
    const client = h.runtime.register(greet, hello, boom).client();
    await h.runtime.start();
    expect(await client.start(hello, 'h1', { name: 'ann' })).toBe(true);
    expect(await client.start(hello, 'h1', { name: 'bob' })).toBe(false);
    const status = await client.waitFor(hello, 'h1', 10_000);
    expect(status).toEqual({
      status: 'Completed',
      output: { greeting: 'hello ann' },
      customStatusVersion: 0,
    });
    await client.start(boom, 'b1');
    const failed = await client.waitFor(boom, 'b1', 10_000);
    expect(failed).toMatchObject({ status: 'Failed', error: 'typed boom' });
    if (failed.status === 'Failed') expect(failed.failureDetails).toMatchObject({ category: 'application' });
    // The definition must be the instance's orchestration.
    await expect(client.waitFor(hello, 'b1', 1000)).rejects.toSatisfy(
      (err) =>
        isDuroxError(err, 'INVALID_INPUT') && /runs orchestration 'Boom', not 'Hello'/.test(String(err)),
    );
  });

  it('client.start pins the definition version; ctx.runSubOrchestration can override it', async () => {
    const h = await createHarness();
    const v1 = defineOrchestration({ name: 'Versioned', version: '1.0.0' }, function* () {
      return 'v1';
    });
    const v2 = defineOrchestration({ name: 'Versioned', version: '2.0.0' }, function* () {
      return 'v2';
    });
    const parent = defineOrchestration('Parent', function* (ctx) {
      const pinned = yield* ctx.runSubOrchestration(v1);
      const overridden = yield* ctx.runSubOrchestration(v1, undefined, {
        version: '2.0.0',
        instanceId: 'kid',
      });
      return [pinned, overridden];
    });
    const client = h.runtime.register(v1, v2, parent).client();
    await h.runtime.start();
    await client.start(v1, 'old');
    await h.client.startOrchestration('latest', 'Versioned');
    await client.start(parent, 'parent');
    expect(await client.waitFor(v1, 'old', 10_000)).toMatchObject({ output: 'v1' });
    expect(await client.waitFor(v2, 'latest', 10_000)).toMatchObject({ output: 'v2' });
    expect(await client.waitFor(parent, 'parent', 10_000)).toMatchObject({ output: ['v1', 'v2'] });
    expect(await h.client.findInstance('kid')).toMatchObject({ orchestrationVersion: '2.0.0' });
  });

  it('nested generator branches, getValueFromInstance and continueAsNew work with yield*', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    const loop = defineOrchestration('Loop', function* (ctx, round: number) {
      function* branch(n: number) {
        yield* ctx.scheduleTimer(1);
        return n * 10;
      }
      ctx.setValue('round', String(round));
      const [a, b] = yield* ctx.all([branch(1), branch(2)]);
      const seen = yield* ctx.getValueFromInstance(ctx.instanceId, 'round');
      if (round < 2) return yield* ctx.continueAsNew(round + 1);
      return { a, b, seen, execution: ctx.executionId };
    });
    const client = h.runtime.register(loop).client();
    await h.runtime.start();
    await client.start(loop, 'loop', 1);
    expect(await client.waitFor(loop, 'loop', 10_000)).toMatchObject({
      status: 'Completed',
      output: { a: { ok: 10 }, b: { ok: 20 }, seen: '2', execution: 2 },
    });
  });

  it('ctx.run and ctx.runSubOrchestration refuse the wrong kind of definition in the orchestration', async () => {
    const h = await createHarness();
    const act = defineActivity('Act', async () => 1);
    const orch = defineOrchestration('Orch', function* () {
      return 1;
    });
    const wrong = defineOrchestration('Wrong', function* (ctx) {
      const errors: string[] = [];
      // Untyped calls, as JavaScript code could make them.
      const run = ctx.run.bind(ctx) as (def: unknown) => unknown;
      const runSub = ctx.runSubOrchestration.bind(ctx) as (def: unknown) => unknown;
      for (const attempt of [() => run(orch), () => runSub(act)]) {
        try {
          attempt();
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      yield* ctx.scheduleTimer(1);
      return errors;
    });
    const client = h.runtime.register(act, orch, wrong).client();
    await h.runtime.start();
    await client.start(wrong, 'wrong');
    expect(await client.waitFor(wrong, 'wrong', 10_000)).toMatchObject({
      output: [
        'ctx.run() takes an activity definition (made by defineActivity), got an orchestration definition',
        'ctx.runSubOrchestration() takes an orchestration definition (made by defineOrchestration), got an activity definition',
      ],
    });
  });

  it('register refuses what is not a definition; definitions check their arguments', async () => {
    const h = await createHarness();
    expect(() => h.runtime.register({ kind: 'activity', name: 'X' } as never)).toThrow(
      /argument 1 is not a definition/,
    );
    expect(() => defineActivity('', async () => 1)).toThrow(/name must be a non-empty string/);
    expect(() => defineOrchestration('Async', (async () => undefined) as never)).toThrow(
      /is an async function/,
    );
    expect(() => defineOrchestration({ name: 'V', version: '' }, function* () {})).toThrow(/version/);
    expect(() => defineActivity({ name: 'S', input: {} as never }, async () => 1)).toThrow(
      /input must be a zod schema/,
    );
  });
});
