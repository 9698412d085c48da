import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/index.js';
import { createHarness } from '../../helpers/runtime-harness.js';

describe('runtime basics (file SQLite)', () => {
  it('runs hello world with the exact history of duroxide scenario 1', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Hello', async (_ctx, name: string) => `Hello, ${name}!`);
    h.runtime.registerOrchestration('HelloWorld', function* (ctx, input: string) {
      return yield ctx.scheduleActivity('Hello', input);
    });
    await h.runtime.start();
    await h.client.startOrchestration('hello-1', 'HelloWorld', 'Rust');
    const status = await h.client.waitForOrchestration('hello-1', 10_000);
    expect(status.status).toBe('Completed');
    expect(status.output).toBe('Hello, Rust!');
    const history = await h.history('hello-1');
    expect(history.map((e) => [e.event_id, e.type, e.source_event_id])).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'ActivityScheduled', undefined],
      [3, 'ActivityCompleted', 2],
      [4, 'OrchestrationCompleted', undefined],
    ]);
  });

  it('throws activity failures at the yield so try/catch can compensate', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Charge', async () => {
      throw new Error('card declined');
    });
    h.runtime.registerActivity('Refund', async (_ctx, reason: string) => `refunded: ${reason}`);
    h.runtime.registerOrchestration('Checkout', function* (ctx) {
      try {
        yield ctx.scheduleActivity('Charge', { amount: 5 });
        return 'charged';
      } catch (err) {
        return yield ctx.scheduleActivity('Refund', (err as Error).message);
      }
    });
    await h.runtime.start();
    await h.client.startOrchestration('c1', 'Checkout');
    const status = await h.client.waitForOrchestration('c1', 10_000);
    expect(status).toMatchObject({ status: 'Completed', output: 'refunded: card declined' });
    const failed = (await h.history('c1')).find((e) => e.type === 'ActivityFailed');
    expect(failed).toMatchObject({
      details: { category: 'application', kind: 'ActivityFailed', message: 'card declined' },
    });
  });

  it('reports an unhandled orchestration error as Failed with the message', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Boom', function* () {
      throw new Error('oops');
    });
    await h.runtime.start();
    await h.client.startOrchestration('b1', 'Boom');
    const status = await h.client.waitForOrchestration('b1', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.error).toBe('oops');
    expect(status.failureDetails).toMatchObject({
      category: 'application',
      kind: 'OrchestrationFailed',
      type: 'Error',
    });
    expect(await h.kinds('b1')).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
  });

  it('retries with durable backoff timers until the activity succeeds', async () => {
    const h = await createHarness();
    let calls = 0;
    h.runtime.registerActivity('Flaky', async () => {
      calls += 1;
      if (calls < 3) throw new Error(`transient ${calls}`);
      return 'ok';
    });
    h.runtime.registerOrchestration('Retry', function* (ctx) {
      return yield ctx.scheduleActivityWithRetry('Flaky', null, {
        maxAttempts: 3,
        backoff: { kind: 'fixed', delayMs: 20 },
      });
    });
    await h.runtime.start();
    await h.client.startOrchestration('r1', 'Retry');
    expect(await h.client.waitForOrchestration('r1', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'ok',
    });
    const kinds = await h.kinds('r1');
    expect(kinds.filter((k) => k === 'ActivityScheduled')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'TimerCreated')).toHaveLength(2);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('AlwaysFails', async () => {
      throw new Error('still broken');
    });
    h.runtime.registerOrchestration('Exhaust', function* (ctx) {
      return yield ctx.scheduleActivityWithRetry('AlwaysFails', null, { maxAttempts: 2, backoff: 'none' });
    });
    await h.runtime.start();
    await h.client.startOrchestration('x1', 'Exhaust');
    const status = await h.client.waitForOrchestration('x1', 10_000);
    expect(status).toMatchObject({ status: 'Failed', error: 'still broken' });
    expect((await h.kinds('x1')).filter((k) => k === 'TimerCreated')).toHaveLength(0);
  });

  it('runs sub-orchestrations with derived and explicit ids and detached starts', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Double', async (_ctx, n: number) => n * 2);
    h.runtime.registerOrchestration('Child', function* (ctx, n: number) {
      return yield ctx.scheduleActivity('Double', n);
    });
    h.runtime.registerOrchestration('Failing', function* () {
      throw new Error('child broke');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      const a = yield ctx.scheduleSubOrchestration('Child', 1);
      const b = yield ctx.scheduleSubOrchestrationWithId('Child', 'explicit-child', 2);
      yield ctx.startOrchestration('Child', 'detached-child', 3);
      let caught = '';
      try {
        yield ctx.scheduleSubOrchestration('Failing');
      } catch (err) {
        caught = (err as Error).message;
      }
      return { a, b, caught };
    });
    await h.runtime.start();
    await h.client.startOrchestration('P', 'Parent');
    const status = await h.client.waitForOrchestration('P', 10_000);
    expect(status).toMatchObject({ status: 'Completed', output: { a: 2, b: 4, caught: 'child broke' } });
    expect(await h.client.waitForOrchestration('P::sub::2', 5_000)).toMatchObject({ output: 2 });
    expect(await h.client.waitForOrchestration('explicit-child', 5_000)).toMatchObject({ output: 4 });
    expect(await h.client.waitForOrchestration('detached-child', 5_000)).toMatchObject({ output: 6 });
    const childStart = (await h.history('P::sub::2'))[0];
    expect(childStart).toMatchObject({
      type: 'OrchestrationStarted',
      parent_instance: 'P',
      parent_id: 2,
      parent_execution_id: 1,
    });
    const detachedStart = (await h.history('detached-child'))[0];
    expect(detachedStart).not.toHaveProperty('parent_instance');
  });

  it('delivers raised events to waitForEvent and races them against timers', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Approval', function* (ctx) {
      const winner = yield ctx.race(ctx.waitForEvent('approve'), ctx.scheduleTimer(60_000));
      return winner;
    });
    await h.runtime.start();
    await h.client.startOrchestration('a1', 'Approval');
    await h.client.raiseEvent('a1', 'approve', { by: 'alice' });
    expect(await h.client.waitForOrchestration('a1', 10_000)).toMatchObject({
      status: 'Completed',
      output: { index: 0, value: { by: 'alice' } },
    });
  });

  it('continues as new with a fresh history per execution', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Counter', function* (ctx, n: number) {
      yield ctx.scheduleTimer(1);
      if (n < 2) return yield ctx.continueAsNew(n + 1);
      return `done at ${n} in execution ${ctx.executionId}`;
    });
    await h.runtime.start();
    await h.client.startOrchestration('can', 'Counter', 0);
    expect(await h.client.waitForOrchestration('can', 10_000)).toMatchObject({
      output: 'done at 2 in execution 3',
    });
    for (const exec of [1, 2]) {
      const history = await h.history('can', exec);
      expect(history[0]).toMatchObject({
        event_id: 1,
        type: 'OrchestrationStarted',
        input: String(exec - 1),
      });
      expect(history.at(-1)?.type).toBe('OrchestrationContinuedAsNew');
    }
    expect((await h.history('can', 3)).at(-1)?.type).toBe('OrchestrationCompleted');
  });

  it('records utcNow and newGuid so replays see the same values', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    h.runtime.registerActivity('Echo', async (_ctx, v: unknown) => v);
    h.runtime.registerOrchestration('Values', function* (ctx) {
      const now = yield ctx.utcNow();
      const guid = yield ctx.newGuid();
      const echoed = yield ctx.scheduleActivity('Echo', { now, guid });
      yield ctx.scheduleTimer(5);
      return { now, guid, same: echoed.now === now && echoed.guid === guid };
    });
    await h.runtime.start();
    await h.client.startOrchestration('v1', 'Values');
    const status = await h.client.waitForOrchestration('v1', 10_000);
    expect(status.status).toBe('Completed');
    const out = status.output as { now: number; guid: string; same: boolean };
    expect(out.same).toBe(true);
    expect(typeof out.now).toBe('number');
    expect(out.guid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ignores a second start of a running or completed instance', async () => {
    const h = await createHarness();
    let runs = 0;
    h.runtime.registerActivity('Count', async () => ++runs);
    h.runtime.registerOrchestration('Once', function* (ctx) {
      return yield ctx.scheduleActivity('Count');
    });
    await Promise.all([h.client.startOrchestration('o1', 'Once'), h.client.startOrchestration('o1', 'Once')]);
    await h.runtime.start();
    expect(await h.client.waitForOrchestration('o1', 10_000)).toMatchObject({ output: 1 });
    await h.client.startOrchestration('o1', 'Once');
    await h.idle();
    expect(await h.client.waitForOrchestration('o1', 10_000)).toMatchObject({ output: 1 });
    const kinds = await h.kinds('o1');
    expect(kinds.filter((k) => k === 'OrchestrationCompleted')).toHaveLength(1);
    expect(runs).toBe(1);
  });

  it('rejects waitForOrchestration with a TIMEOUT error', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Forever', function* (ctx) {
      yield ctx.waitForEvent('never');
    });
    await h.runtime.start();
    await h.client.startOrchestration('f1', 'Forever');
    const err = await h.client.waitForOrchestration('f1', 150).catch((e: unknown) => e);
    expect(isDuroxError(err, 'TIMEOUT')).toBe(true);
    // The timeout ends the wait, not the instance (on a loaded machine its first turn may not
    // have run yet within 150 ms).
    expect(['Pending', 'Running']).toContain((await h.client.getStatus('f1')).status);
    expect((await h.client.getStatus('nope')).status).toBe('NotFound');
  });

  it('fails an orchestration that yields something that is not a task, with a clear message', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('BadYield', function* () {
      yield Promise.resolve(1) as never;
    });
    await h.runtime.start();
    await h.client.startOrchestration('by', 'BadYield');
    const status = await h.client.waitForOrchestration('by', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.error).toContain('not a durox task');
  });
});

describe('values JSON cannot store', () => {
  it('fails an activity whose result cannot be encoded, without killing the worker', async () => {
    const h = await createHarness({ workerConcurrency: 1 });
    h.runtime.registerActivity('BigIntResult', async () => 10n);
    h.runtime.registerActivity('Fine', async () => 'fine');
    h.runtime.registerOrchestration('Encode', function* (ctx) {
      let error = '';
      try {
        yield ctx.scheduleActivity('BigIntResult');
      } catch (err) {
        error = (err as Error).message;
      }
      return { error, next: yield ctx.scheduleActivity('Fine') };
    });
    await h.runtime.start();
    await h.client.startOrchestration('enc', 'Encode');
    const status = await h.client.waitForOrchestration('enc', 10_000);
    expect(status.status).toBe('Completed');
    expect((status.output as { error: string }).error).toContain('cannot be stored as JSON');
    expect((status.output as { next: string }).next).toBe('fine');
  });

  it('fails an orchestration whose output cannot be encoded', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Circular', function* () {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    });
    await h.runtime.start();
    await h.client.startOrchestration('circ', 'Circular');
    const status = await h.client.waitForOrchestration('circ', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.error).toContain('cannot be stored as JSON');
  });
});
