/**
 * Prune: old executions (and their history) of long-lived instances go; the current execution,
 * running executions and KV state stay.
 */
import assert from 'node:assert/strict';
import type { Provider } from '../../core/provider.js';
import {
  completeInstance,
  continueAsNew,
  createExecutions,
  createInstance,
  expectDuroxError,
  kvSet,
  sleep,
  typesOf,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('prune');

/** Each execution made by `createExecutions` holds 2 events (start, continue-as-new), the last 1. */
const EVENTS_PER_ENDED_EXECUTION = 2;

async function assertExecutions(provider: Provider, instanceId: string, expected: number[]): Promise<void> {
  assert.deepEqual(await provider.listExecutions(instanceId), expected, `executions of ${instanceId}`);
}

export const pruneCases: readonly ValidationCase[] = [
  define('keepLast keeps the most recent executions, current included', async (provider) => {
    await createExecutions(provider, 'pr-keep', 4);
    const result = await provider.pruneExecutions('pr-keep', { keepLast: 2 });
    assert.deepEqual(result, {
      instancesProcessed: 1,
      executionsDeleted: 2,
      eventsDeleted: 2 * EVENTS_PER_ENDED_EXECUTION,
    });
    await assertExecutions(provider, 'pr-keep', [3, 4]);
    assert.deepEqual(await provider.readHistory('pr-keep', 1), []);
    assert.deepEqual(await provider.readHistory('pr-keep', 2), []);
    assert.deepEqual(typesOf(await provider.readHistory('pr-keep', 3)), [
      'OrchestrationStarted',
      'OrchestrationContinuedAsNew',
    ]);
    assert.deepEqual(typesOf(await provider.readHistory('pr-keep')), ['OrchestrationStarted']);
    assert.equal((await provider.getInstanceInfo('pr-keep'))?.currentExecutionId, 4);
  }),

  define('keepLast 0, 1 or absent all keep only the current execution', async (provider) => {
    for (const [id, keepLast] of [
      ['pr-k0', 0],
      ['pr-k1', 1],
      ['pr-kx', undefined],
    ] as const) {
      await createExecutions(provider, id, 3);
      const result = await provider.pruneExecutions(id, keepLast === undefined ? {} : { keepLast });
      assert.equal(result.executionsDeleted, 2, `keepLast ${String(keepLast)}`);
      await assertExecutions(provider, id, [3]);
    }
  }),

  define('completedBefore prunes only executions that ended before the cutoff', async (provider) => {
    await createInstance(provider, 'pr-before');
    await continueAsNew(provider, 'pr-before');
    await sleep(20);
    const cutoff = Date.now();
    await sleep(20);
    await continueAsNew(provider, 'pr-before');
    const result = await provider.pruneExecutions('pr-before', { completedBefore: cutoff });
    assert.equal(result.executionsDeleted, 1);
    await assertExecutions(provider, 'pr-before', [2, 3]);
  }),

  define('keepLast and completedBefore must both allow a prune', async (provider) => {
    await createInstance(provider, 'pr-both');
    await continueAsNew(provider, 'pr-both');
    await continueAsNew(provider, 'pr-both');
    await sleep(20);
    const cutoff = Date.now();
    await sleep(20);
    await continueAsNew(provider, 'pr-both');
    await continueAsNew(provider, 'pr-both');
    // Executions 1-5; 1 and 2 ended before the cutoff. completedBefore alone would take 1 and 2,
    // but keepLast 4 protects 2-5.
    assert.equal(
      (await provider.pruneExecutions('pr-both', { keepLast: 4, completedBefore: cutoff })).executionsDeleted,
      1,
    );
    await assertExecutions(provider, 'pr-both', [2, 3, 4, 5]);
    // keepLast 1 alone would take 2-4, but only 2 ended before the cutoff.
    assert.equal(
      (await provider.pruneExecutions('pr-both', { keepLast: 1, completedBefore: cutoff })).executionsDeleted,
      1,
    );
    await assertExecutions(provider, 'pr-both', [3, 4, 5]);
  }),

  define('the current execution is never pruned, even when it has ended', async (provider) => {
    await createExecutions(provider, 'pr-current', 3);
    await completeInstance(provider, 'pr-current');
    const result = await provider.pruneExecutions('pr-current', {
      keepLast: 0,
      completedBefore: Date.now() + 60_000,
    });
    assert.equal(result.executionsDeleted, 2);
    await assertExecutions(provider, 'pr-current', [3]);
    const info = await provider.getInstanceInfo('pr-current');
    assert.equal(info?.status, 'Completed');
    assert.equal(info?.currentExecutionId, 3);
    assert.deepEqual(typesOf(await provider.readHistory('pr-current')), [
      'OrchestrationStarted',
      'OrchestrationCompleted',
    ]);
  }),

  define('pruning an instance with one execution deletes nothing', async (provider) => {
    await createInstance(provider, 'pr-single');
    assert.deepEqual(await provider.pruneExecutions('pr-single', {}), {
      instancesProcessed: 1,
      executionsDeleted: 0,
      eventsDeleted: 0,
    });
    await assertExecutions(provider, 'pr-single', [1]);
  }),

  define('pruning an unknown instance fails with NOT_FOUND', async (provider) => {
    await expectDuroxError(
      provider.pruneExecutions('pr-unknown', { keepLast: 1 }),
      'NOT_FOUND',
      'prune of an unknown instance',
    );
  }),

  define('pruning keeps KV state and the running instance usable', async (provider) => {
    await createInstance(provider, 'pr-kv', { ack: { kvMutations: [kvSet('first', '1')] } });
    await continueAsNew(provider, 'pr-kv', { endAck: { kvMutations: [kvSet('second', '2')] } });
    await continueAsNew(provider, 'pr-kv');
    await provider.pruneExecutions('pr-kv', { keepLast: 1 });
    assert.deepEqual(await provider.getKvAllValues('pr-kv'), { first: '1', second: '2' });
    await continueAsNew(provider, 'pr-kv');
    await assertExecutions(provider, 'pr-kv', [3, 4]);
  }),

  define('bulk prune covers every matching instance, running ones included', async (provider) => {
    await createExecutions(provider, 'pr-bulk-run', 3);
    await createExecutions(provider, 'pr-bulk-done', 3);
    await completeInstance(provider, 'pr-bulk-done');
    await createExecutions(provider, 'pr-bulk-other', 2);
    const result = await provider.pruneExecutionsBulk(
      { instanceIds: ['pr-bulk-run', 'pr-bulk-done'] },
      { keepLast: 1 },
    );
    assert.equal(result.instancesProcessed, 2);
    assert.equal(result.executionsDeleted, 4);
    assert.equal(result.eventsDeleted, 4 * EVENTS_PER_ENDED_EXECUTION);
    await assertExecutions(provider, 'pr-bulk-run', [3]);
    await assertExecutions(provider, 'pr-bulk-done', [3]);
    await assertExecutions(provider, 'pr-bulk-other', [1, 2]);
    const all = await provider.pruneExecutionsBulk({}, { keepLast: 1 });
    assert.equal(all.executionsDeleted, 1);
    await assertExecutions(provider, 'pr-bulk-other', [2]);
  }),

  define('bulk prune applies completedBefore to executions, running instances included', async (provider) => {
    // InstanceFilter.completedBefore reads "current execution completed before" for bulk delete;
    // for bulk prune it bounds the executions (a running eternal instance is what prune is for).
    await createExecutions(provider, 'pr-bulk-ended', 2);
    await completeInstance(provider, 'pr-bulk-ended');
    await createExecutions(provider, 'pr-bulk-live', 2);
    await sleep(20);
    const cutoff = Date.now();
    await sleep(20);
    await createExecutions(provider, 'pr-bulk-late', 2);
    const result = await provider.pruneExecutionsBulk({ completedBefore: cutoff }, { keepLast: 1 });
    assert.equal(result.executionsDeleted, 2);
    await assertExecutions(provider, 'pr-bulk-ended', [2]);
    await assertExecutions(provider, 'pr-bulk-live', [2]);
    await assertExecutions(provider, 'pr-bulk-late', [1, 2]);
  }),
];
