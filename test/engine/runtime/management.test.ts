import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/index.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';
import type { Harness } from '../../helpers/runtime-harness.js';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

function registerTree(h: Harness): void {
  h.runtime.registerOrchestration('Child', function* (ctx) {
    yield ctx.waitForEvent('finish');
    return 'child done';
  });
  h.runtime.registerOrchestration('Root', function* (ctx) {
    return yield ctx.scheduleSubOrchestration('Child');
  });
  h.runtime.registerOrchestration('Quick', function* (_ctx, n: number) {
    return n;
  });
  h.runtime.registerOrchestration('Looper', function* (ctx, n: number) {
    yield ctx.scheduleTimer(1);
    if (n < 4) return yield ctx.continueAsNew(n + 1);
    return n;
  });
}

describe('management through the Client (scenarios 59–61)', () => {
  it('deletes a tree only through its root, and only when finished or forced (59)', async () => {
    const h = await createHarness();
    registerTree(h);
    await h.runtime.start();
    await h.client.startOrchestration('root', 'Root');
    await eventually(async () => (await h.client.getStatus('root::sub::2')).status === 'Running');

    expect((await h.client.getInstanceTree('root')).allIds).toEqual(['root', 'root::sub::2']);
    expect(isDuroxError(await errorOf(h.client.deleteInstance('root')), 'INSTANCE_STILL_RUNNING')).toBe(true);
    expect(
      isDuroxError(
        await errorOf(h.client.deleteInstance('root::sub::2', true)),
        'CANNOT_DELETE_SUB_ORCHESTRATION',
      ),
    ).toBe(true);
    expect(isDuroxError(await errorOf(h.client.deleteInstance('nope')), 'NOT_FOUND')).toBe(true);
    expect(isDuroxError(await errorOf(h.client.getInstanceInfo('nope')), 'NOT_FOUND')).toBe(true);

    const result = await h.client.deleteInstance('root', true);
    expect(result.instancesDeleted).toBe(2);
    expect(result.eventsDeleted).toBeGreaterThan(0);
    expect((await h.client.getStatus('root')).status).toBe('NotFound');
    expect((await h.client.getStatus('root::sub::2')).status).toBe('NotFound');

    // The id can be used again.
    await h.client.startOrchestration('root', 'Quick', 7);
    expect(await h.client.waitForOrchestration('root', 10_000)).toMatchObject({
      status: 'Completed',
      output: 7,
    });
  });

  it('reports instance and execution info, executions and readable history', async () => {
    const h = await createHarness();
    registerTree(h);
    await h.runtime.start();
    await h.client.startOrchestration('loop', 'Looper', 0);
    await h.client.waitForOrchestration('loop', 10_000);
    expect(await h.client.listExecutions('loop')).toEqual([1, 2, 3, 4, 5]);
    expect(await h.client.getInstanceInfo('loop')).toMatchObject({
      instanceId: 'loop',
      orchestrationName: 'Looper',
      orchestrationVersion: '1.0.0',
      currentExecutionId: 5,
      status: 'Completed',
      output: 4,
    });
    expect(await h.client.getExecutionInfo('loop', 1)).toMatchObject({
      executionId: 1,
      status: 'ContinuedAsNew',
      output: 1,
      eventCount: 4,
    });
    const history = await h.client.readExecutionHistory('loop', 5);
    expect(history.map((e) => e.kind)).toEqual([
      'OrchestrationStarted',
      'TimerCreated',
      'TimerFired',
      'OrchestrationCompleted',
    ]);
    expect(JSON.parse(history[0]!.data!)).toMatchObject({ name: 'Looper', version: '1.0.0', input: 4 });
    expect(history[2]).toMatchObject({ eventId: 3, sourceEventId: 2 });
    expect(await h.client.getOrchestrationStats('loop')).toMatchObject({ historyEventCount: 4 });
    expect(await h.client.getOrchestrationStats('nope')).toBeNull();
  });

  it('prunes old executions but never the current one (60)', async () => {
    const h = await createHarness();
    registerTree(h);
    await h.runtime.start();
    await h.client.startOrchestration('loop', 'Looper', 0);
    await h.client.waitForOrchestration('loop', 10_000);
    expect(await h.client.pruneExecutions('loop', { keepLast: 2 })).toMatchObject({ executionsDeleted: 3 });
    expect(await h.client.listExecutions('loop')).toEqual([4, 5]);
    expect(await h.client.pruneExecutions('loop')).toMatchObject({ executionsDeleted: 1 });
    expect(await h.client.listExecutions('loop')).toEqual([5]);
    expect(isDuroxError(await errorOf(h.client.pruneExecutions('nope')), 'NOT_FOUND')).toBe(true);
  });

  it('bulk-deletes terminal roots only, up to the limit (61)', async () => {
    const h = await createHarness();
    registerTree(h);
    await h.runtime.start();
    for (const id of ['a', 'b', 'c']) await h.client.startOrchestration(id, 'Quick', 1);
    await h.client.startOrchestration('running', 'Root');
    for (const id of ['a', 'b', 'c']) await h.client.waitForOrchestration(id, 10_000);
    await eventually(async () => (await h.client.getStatus('running::sub::2')).status === 'Running');

    expect(await h.client.deleteInstanceBulk({ limit: 2 })).toMatchObject({ instancesDeleted: 2 });
    const left = await h.client.listAllInstances();
    expect(left).toHaveLength(3);
    expect(left).toContain('running');
    expect(await h.client.listInstancesByStatus('Running')).toEqual(
      expect.arrayContaining(['running', 'running::sub::2']),
    );
    expect(await h.client.getSystemMetrics()).toMatchObject({
      totalInstances: 3,
      runningInstances: 2,
      completedInstances: 1,
    });
    const depths = await h.client.getQueueDepths();
    expect(depths).toEqual({
      orchestratorQueue: expect.any(Number),
      workerQueue: 0,
      timerQueue: expect.any(Number),
    });
  });

  it('throws typed errors from waitForOrchestrationTyped', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Fails', function* () {
      throw new Error('nope');
    });
    await h.runtime.start();
    await h.client.startOrchestration('f', 'Fails');
    const err = await errorOf(h.client.waitForOrchestrationTyped('f', 10_000));
    expect(isDuroxError(err, 'ORCHESTRATION_FAILED')).toBe(true);
    expect((err as Error).message).toBe('nope');
    expect((err as { details: unknown }).details).toMatchObject({ category: 'application' });
  });

  it('keeps KV across continue-as-new and pruning, and removes it with the instance (53)', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Keeper', function* (ctx, n: number) {
      if (n === 0) ctx.setValue('first', 'kept');
      ctx.setValue(`k${n}`, String(n));
      yield ctx.scheduleTimer(1);
      if (n < 2) return yield ctx.continueAsNew(n + 1);
      return ctx.getValue('first');
    });
    await h.runtime.start();
    await h.client.startOrchestration('kv', 'Keeper', 0);
    expect(await h.client.waitForOrchestration('kv', 10_000)).toMatchObject({ output: 'kept' });
    await h.client.pruneExecutions('kv');
    expect(await h.client.listExecutions('kv')).toEqual([3]);
    expect(await h.client.getKvAllValues('kv')).toEqual({ first: 'kept', k0: '0', k1: '1', k2: '2' });
    await h.client.deleteInstance('kv');
    expect(await h.client.getKvAllValues('kv')).toEqual({});
    expect(await h.client.getValue('kv', 'first')).toBeNull();
  });
});
