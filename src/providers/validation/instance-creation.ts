/**
 * Instance creation: an instance exists only once an ack carrying its orchestration name
 * commits — never on enqueue or fetch.
 */
import assert from 'node:assert/strict';
import {
  completedEvent,
  emptyAck,
  externalItem,
  fetchBatch,
  metadata,
  runTurn,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('instance-creation');

export const instanceCreationCases: readonly ValidationCase[] = [
  define('enqueueing a start creates no instance', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-enqueue'));
    assert.equal(await provider.getInstanceInfo('ic-enqueue'), null);
    assert.deepEqual(await provider.readHistory('ic-enqueue'), []);
  }),

  define('fetching a start creates no instance', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-fetch'));
    const item = await fetchBatch(provider, 'ic-fetch');
    assert.equal(await provider.getInstanceInfo('ic-fetch'), null);
    await provider.abandonOrchestrationItem(item.lockToken);
    assert.equal(await provider.getInstanceInfo('ic-fetch'), null);
  }),

  define('an ack with metadata creates the instance and its first execution', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-create'));
    const item = await fetchBatch(provider, 'ic-create');
    const before = Date.now();
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('ic-create')], metadata: metadata() }),
    );
    const after = Date.now();
    const info = await provider.getInstanceInfo('ic-create');
    assert.ok(info, 'the instance must exist after the ack');
    assert.deepEqual(
      {
        instanceId: info.instanceId,
        orchestrationName: info.orchestrationName,
        orchestrationVersion: info.orchestrationVersion,
        currentExecutionId: info.currentExecutionId,
        status: info.status,
        output: info.output,
        parentInstanceId: info.parentInstanceId,
        customStatus: info.customStatus,
        customStatusVersion: info.customStatusVersion,
      },
      {
        instanceId: 'ic-create',
        orchestrationName: 'Greeter',
        orchestrationVersion: '1.0.0',
        currentExecutionId: 1,
        status: 'Running',
        output: null,
        parentInstanceId: null,
        customStatus: null,
        customStatusVersion: 0,
      },
    );
    assert.ok(
      info.createdAt >= before - 1_000 && info.createdAt <= after + 1_000,
      'createdAt is the ack time',
    );
    assert.ok(info.updatedAt >= info.createdAt, 'updatedAt is not before createdAt');
    assert.deepEqual(await provider.readHistory('ic-create'), [startedEvent('ic-create')]);
  }),

  define('a missing version is stored as null', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-nover'));
    const item = await fetchBatch(provider, 'ic-nover');
    assert.equal(item.orchestrationVersion, null, 'a start without version reports null');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('ic-nover')], metadata: { orchestrationName: 'Greeter' } }),
    );
    assert.equal((await provider.getInstanceInfo('ic-nover'))?.orchestrationVersion, null);
  }),

  define('a sub-orchestration keeps its parent id', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-parent'));
    const parent = await fetchBatch(provider, 'ic-parent');
    const childStart = startItem('ic-child', {
      orchestration: 'Child',
      parent: { instance: 'ic-parent', id: 2, executionId: 1 },
    });
    await provider.ackOrchestrationItem(
      parent.lockToken,
      emptyAck({
        historyDelta: [startedEvent('ic-parent')],
        orchestratorItems: [{ item: childStart }],
        metadata: metadata(),
      }),
    );
    const child = await fetchBatch(provider, 'ic-child');
    assert.deepEqual(child.messages, [childStart]);
    assert.equal(child.orchestrationName, 'Child');
    await provider.ackOrchestrationItem(
      child.lockToken,
      emptyAck({
        historyDelta: [
          startedEvent('ic-child', 1, 1, { name: 'Child', parent_instance: 'ic-parent', parent_id: 2 }),
        ],
        metadata: {
          orchestrationName: 'Child',
          orchestrationVersion: '1.0.0',
          parentInstanceId: 'ic-parent',
        },
      }),
    );
    assert.equal((await provider.getInstanceInfo('ic-child'))?.parentInstanceId, 'ic-parent');
    assert.equal((await provider.getInstanceInfo('ic-parent'))?.parentInstanceId, null);
    // A later ack that does not repeat the parent keeps it.
    await runTurn(provider, 'ic-child', () => ({
      metadata: { orchestrationName: 'Child', orchestrationVersion: '1.0.0' },
    }));
    assert.equal((await provider.getInstanceInfo('ic-child'))?.parentInstanceId, 'ic-parent');
  }),

  define('the first ack may also end the execution', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-oneshot'));
    const item = await fetchBatch(provider, 'ic-oneshot');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('ic-oneshot'), completedEvent('ic-oneshot', 2, '42')],
        metadata: metadata({ status: 'Completed', output: '42' }),
      }),
    );
    const info = await provider.getInstanceInfo('ic-oneshot');
    assert.equal(info?.status, 'Completed');
    assert.equal(info?.output, '42');
  }),

  define('later fetches report name and version from the instance, not the message', async (provider) => {
    await provider.enqueueOrchestratorWork(
      startItem('ic-identity', { orchestration: 'Greeter', version: '1.0.0' }),
    );
    const item = await fetchBatch(provider, 'ic-identity');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('ic-identity')],
        metadata: { orchestrationName: 'Greeter', orchestrationVersion: '2.0.0' },
      }),
    );
    await provider.enqueueOrchestratorWork(externalItem('ic-identity'));
    const next = await fetchBatch(provider, 'ic-identity');
    assert.equal(next.orchestrationName, 'Greeter');
    assert.equal(next.orchestrationVersion, '2.0.0');
  }),
];
