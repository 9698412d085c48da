/**
 * A started instance exists at once: Pending until a worker runs its first turn, visible,
 * cancellable and deletable before that; duplicates are not created; bad ids are refused.
 * Each test starts the runtime only after the checks that need "no worker has run it yet".
 */
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/index.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

function registerEcho(h: Harness): void {
  h.runtime.registerOrchestration('Echo', function* (_ctx, input: unknown) {
    return input;
  });
}

describe('starts before any worker runs them', () => {
  it('are visible as Pending, then run with the start time kept', async () => {
    const h = await createHarness();
    registerEcho(h);
    expect(await h.client.tryStartOrchestration('p-1', 'Echo', { n: 1 })).toBe(true);

    // A Pending instance has recorded nothing it could wait on.
    expect(await h.client.getStatus('p-1')).toEqual({
      status: 'Pending',
      customStatusVersion: 0,
      waitingOn: { activities: [], timers: [], events: [], queues: [], children: [] },
    });
    const pending = await h.client.getInstanceInfo('p-1');
    expect(pending).toMatchObject({
      instanceId: 'p-1',
      orchestrationName: 'Echo',
      orchestrationVersion: null,
      currentExecutionId: 1,
      status: 'Pending',
    });
    expect(await h.client.listInstancesByStatus('Pending')).toEqual(['p-1']);
    expect((await h.client.listInstances()).map((i) => [i.instanceId, i.status])).toEqual([
      ['p-1', 'Pending'],
    ]);
    expect(await h.client.listExecutions('p-1')).toEqual([]);

    await h.runtime.start();
    expect(await h.client.waitForOrchestration('p-1', 10_000)).toMatchObject({
      status: 'Completed',
      output: { n: 1 },
    });
    const done = await h.client.getInstanceInfo('p-1');
    expect(done).toMatchObject({ status: 'Completed', orchestrationVersion: '1.0.0', currentExecutionId: 1 });
    expect(done.createdAt).toBe(pending.createdAt);
    expect(await h.kinds('p-1')).toEqual(['OrchestrationStarted', 'OrchestrationCompleted']);
  });

  it('keep a pinned version', async () => {
    const h = await createHarness();
    await h.client.startOrchestrationVersioned('p-v', 'Echo', null, '2.0.0');
    expect(await h.client.getInstanceInfo('p-v')).toMatchObject({
      status: 'Pending',
      orchestrationVersion: '2.0.0',
    });
  });

  it('are not started twice: startOrchestration resolves, tryStartOrchestration says false', async () => {
    const h = await createHarness();
    registerEcho(h);
    await h.client.startOrchestration('p-dup', 'Echo', 'first');
    await expect(h.client.startOrchestration('p-dup', 'Echo', 'second')).resolves.toBeUndefined();
    expect(await h.client.tryStartOrchestration('p-dup', 'Other', 'third')).toBe(false);
    expect(await h.client.getInstanceInfo('p-dup')).toMatchObject({ orchestrationName: 'Echo' });

    await h.runtime.start();
    expect(await h.client.waitForOrchestration('p-dup', 10_000)).toMatchObject({ output: 'first' });
    expect(await h.client.tryStartOrchestration('p-dup', 'Echo', 'again')).toBe(false);
    expect((await h.client.getInstanceInfo('p-dup')).output).toBe('first');
  });

  it('of one id at the same time create it exactly once', async () => {
    const h = await createHarness();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.client.tryStartOrchestration('p-race', 'Echo', i)),
    );
    expect(results.filter((created) => created)).toHaveLength(1);
    expect((await h.client.getQueueDepths()).orchestratorQueue).toBe(1);
  });

  it('can be cancelled: the first turn ends the instance Failed (canceled)', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Waits', function* (ctx) {
      return yield ctx.waitForEvent('never');
    });
    await h.client.startOrchestration('p-cancel', 'Waits');
    await h.client.cancelInstance('p-cancel', 'changed my mind');
    expect((await h.client.getStatus('p-cancel')).status).toBe('Pending');

    await h.runtime.start();
    const status = await h.client.waitForOrchestration('p-cancel', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.error).toBe('canceled: changed my mind');
  });

  it('can be deleted without force, which withdraws the queued start', async () => {
    const h = await createHarness();
    registerEcho(h);
    await h.client.startOrchestration('p-del', 'Echo', 'old');
    expect(await h.client.deleteInstance('p-del')).toEqual({
      instancesDeleted: 1,
      executionsDeleted: 0,
      eventsDeleted: 0,
      queueMessagesDeleted: 1,
    });
    expect((await h.client.getStatus('p-del')).status).toBe('NotFound');

    // Had the old start stayed queued, the first turn would run it (the oldest start wins).
    expect(await h.client.tryStartOrchestration('p-del', 'Echo', 'new')).toBe(true);
    await h.runtime.start();
    expect(await h.client.waitForOrchestration('p-del', 10_000)).toMatchObject({ output: 'new' });
  });

  it('can be waited for before a worker runs them', async () => {
    const h = await createHarness();
    registerEcho(h);
    await h.client.startOrchestration('p-wait', 'Echo', 5);
    const waiting = h.client.waitForOrchestration('p-wait', 10_000);
    await h.runtime.start();
    expect(await waiting).toMatchObject({ status: 'Completed', output: 5 });
  });
});

describe('bad instance ids', () => {
  const BAD: readonly unknown[] = ['', '   ', '\t', 'order\n1', 'a\u0000b', 'bell\u0007', undefined, null];

  it('are refused with InvalidInputError before anything is written', async () => {
    const h = await createHarness();
    const c = h.client;
    for (const id of BAD) {
      const bad = id as string;
      const calls: [string, Promise<unknown>][] = [
        ['tryStartOrchestration', c.tryStartOrchestration(bad, 'Echo')],
        ['startOrchestration', c.startOrchestration(bad, 'Echo')],
        ['startOrchestrationVersioned', c.startOrchestrationVersioned(bad, 'Echo', null, '1.0.0')],
        ['raiseEvent', c.raiseEvent(bad, 'evt')],
        ['enqueueEvent', c.enqueueEvent(bad, 'queue')],
        ['cancelInstance', c.cancelInstance(bad)],
        ['deleteInstance', c.deleteInstance(bad)],
      ];
      for (const [what, call] of calls) {
        const err = await errorOf(call);
        expect(isDuroxError(err, 'INVALID_INPUT'), `${what}(${JSON.stringify(id)})`).toBe(true);
        expect((err as Error).message).toMatch(/^instance id (must not|is required)/);
      }
    }
    expect(await c.listAllInstances()).toEqual([]);
    expect((await c.getQueueDepths()).orchestratorQueue).toBe(0);
  });

  it('fail the orchestration that gives one to a sub-orchestration or a detached start', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Child', function* () {
      return 'child';
    });
    h.runtime.registerOrchestration('BadChild', function* (ctx) {
      return yield ctx.scheduleSubOrchestrationWithId('Child', '  ');
    });
    h.runtime.registerOrchestration('BadDetached', function* (ctx) {
      yield ctx.startOrchestration('Child', '');
      return 'unreachable';
    });
    await h.runtime.start();
    await h.client.startOrchestration('bad-child', 'BadChild');
    await h.client.startOrchestration('bad-detached', 'BadDetached');

    const child = await h.client.waitForOrchestration('bad-child', 10_000);
    expect(child.status).toBe('Failed');
    expect(child.error).toContain('sub-orchestration instance id must not be only whitespace');
    const detached = await h.client.waitForOrchestration('bad-detached', 10_000);
    expect(detached.status).toBe('Failed');
    expect(detached.error).toContain('orchestration instance id must not be empty');
    // No child was started under the bad ids.
    expect((await h.client.listAllInstances()).sort()).toEqual(['bad-child', 'bad-detached']);
  });
});
