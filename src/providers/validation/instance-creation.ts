/**
 * Instance creation: a client start (`createInstance`) creates the instance at once, Pending
 * until its first ack; otherwise an instance exists only once an ack carrying its
 * orchestration name commits — never on enqueue or fetch.
 */
import assert from 'node:assert/strict';
import {
  assertNoBatch,
  completedEvent,
  emptyAck,
  expectLockLost,
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

  define('a created instance is visible as Pending before any turn', async (provider) => {
    const before = Date.now();
    assert.equal(await provider.createInstance(startItem('ic-pending')), true, 'the first start creates');
    const after = Date.now();
    const info = await provider.getInstanceInfo('ic-pending');
    assert.ok(info, 'the instance must exist right after createInstance');
    assert.deepEqual(
      {
        orchestrationName: info.orchestrationName,
        orchestrationVersion: info.orchestrationVersion,
        currentExecutionId: info.currentExecutionId,
        status: info.status,
        output: info.output,
        parentInstanceId: info.parentInstanceId,
        customStatus: info.customStatus,
      },
      {
        orchestrationName: 'Greeter',
        orchestrationVersion: null,
        currentExecutionId: 1,
        status: 'Pending',
        output: null,
        parentInstanceId: null,
        customStatus: null,
      },
    );
    assert.ok(
      info.createdAt >= before - 1_000 && info.createdAt <= after + 1_000,
      'createdAt is the start time',
    );
    assert.deepEqual(
      (await provider.listInstances({ status: 'Pending' })).map((i) => i.instanceId),
      ['ic-pending'],
    );
    assert.equal(await provider.countInstances({ status: 'Pending' }), 1);
    assert.equal(await provider.countInstances({ status: 'Running' }), 0);
    assert.deepEqual(await provider.readHistory('ic-pending'), []);
    // The start is queued like an enqueued one.
    const item = await fetchBatch(provider, 'ic-pending');
    assert.deepEqual(item.messages, [startItem('ic-pending')]);
    assert.equal(item.executionId, 1);
    assert.deepEqual(item.history, []);
  }),

  define('a created instance keeps a pinned version', async (provider) => {
    await provider.createInstance(startItem('ic-pending-v', { version: '2.0.0' }));
    assert.equal((await provider.getInstanceInfo('ic-pending-v'))?.orchestrationVersion, '2.0.0');
  }),

  define('a duplicate start reports not-created and writes nothing', async (provider) => {
    assert.equal(await provider.createInstance(startItem('ic-dup', { input: '1' })), true);
    const created = (await provider.getInstanceInfo('ic-dup'))?.createdAt;
    assert.equal(
      await provider.createInstance(startItem('ic-dup', { input: '2', orchestration: 'Other' })),
      false,
      'a second start of a Pending instance is not created',
    );
    const info = await provider.getInstanceInfo('ic-dup');
    assert.equal(info?.orchestrationName, 'Greeter', 'the duplicate changed nothing');
    assert.equal(info?.createdAt, created);
    const item = await fetchBatch(provider, 'ic-dup');
    assert.deepEqual(item.messages, [startItem('ic-dup', { input: '1' })], 'only the first start is queued');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('ic-dup'), completedEvent('ic-dup', 2)],
        metadata: metadata({ status: 'Completed', output: '"done"' }),
      }),
    );
    assert.equal(await provider.createInstance(startItem('ic-dup')), false, 'nor of a terminal one');
    await assertNoBatch(provider, 'a refused start must not be queued');
  }),

  define('an instance that exists through an ack is not created again', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('ic-acked'));
    await runTurn(provider, 'ic-acked', () => ({
      historyDelta: [startedEvent('ic-acked')],
      metadata: metadata(),
    }));
    assert.equal(await provider.createInstance(startItem('ic-acked')), false);
    await assertNoBatch(provider);
  }),

  define(
    'the first turn moves a Pending instance to Running and keeps its creation time',
    async (provider) => {
      await provider.createInstance(startItem('ic-first'));
      const pending = await provider.getInstanceInfo('ic-first');
      const item = await fetchBatch(provider, 'ic-first');
      assert.equal(item.orchestrationName, 'Greeter');
      assert.equal(item.orchestrationVersion, null, 'no version was pinned');
      assert.equal(
        (await provider.getInstanceInfo('ic-first'))?.status,
        'Pending',
        'a fetch changes nothing',
      );
      await provider.ackOrchestrationItem(
        item.lockToken,
        emptyAck({ historyDelta: [startedEvent('ic-first')], metadata: metadata() }),
      );
      const info = await provider.getInstanceInfo('ic-first');
      assert.equal(info?.status, 'Running');
      assert.equal(info?.orchestrationVersion, '1.0.0', 'the version the runtime resolved is stored');
      assert.equal(info?.currentExecutionId, 1);
      assert.equal(info?.createdAt, pending?.createdAt, 'createdAt stays the start time');
      assert.deepEqual(await provider.listExecutions('ic-first'), [1]);
      assert.equal((await provider.getExecutionInfo('ic-first', 1))?.status, 'Running');
      assert.equal(await provider.countInstances({ status: 'Pending' }), 0);
    },
  ),

  define('a first turn that ends the execution leaves the Pending status at once', async (provider) => {
    await provider.createInstance(startItem('ic-first-done'));
    await runTurn(provider, 'ic-first-done', () => ({
      historyDelta: [startedEvent('ic-first-done'), completedEvent('ic-first-done', 2, '7')],
      metadata: metadata({ status: 'Completed', output: '7' }),
    }));
    const info = await provider.getInstanceInfo('ic-first-done');
    assert.equal(info?.status, 'Completed');
    assert.equal(info?.output, '7');
  }),

  define('an ack that names no orchestration leaves a Pending instance Pending', async (provider) => {
    await provider.createInstance(startItem('ic-stray'));
    // A turn that only drops messages (the engine's discard) must not make it look started.
    await runTurn(provider, 'ic-stray', () => ({ metadata: {} }));
    assert.equal((await provider.getInstanceInfo('ic-stray'))?.status, 'Pending');
  }),

  define('a cancellation of a Pending instance reaches its first turn with the start', async (provider) => {
    await provider.createInstance(startItem('ic-cancel'));
    const cancel = { type: 'CancelInstance', instance: 'ic-cancel', reason: 'no longer needed' } as const;
    await provider.enqueueOrchestratorWork(cancel);
    assert.equal((await provider.getInstanceInfo('ic-cancel'))?.status, 'Pending');
    const item = await fetchBatch(provider, 'ic-cancel');
    assert.deepEqual(item.messages, [startItem('ic-cancel'), cancel]);
  }),

  define('a Pending instance is deleted without force, with its queued start', async (provider) => {
    await provider.createInstance(startItem('ic-del'));
    await provider.enqueueOrchestratorWork(externalItem('ic-del'));
    const result = await provider.deleteInstances(['ic-del'], false);
    assert.deepEqual(result, {
      instancesDeleted: 1,
      executionsDeleted: 0,
      eventsDeleted: 0,
      queueMessagesDeleted: 2,
    });
    assert.equal(await provider.getInstanceInfo('ic-del'), null);
    await assertNoBatch(provider, 'the deleted instance start must be withdrawn');
    assert.equal(await provider.createInstance(startItem('ic-del')), true, 'the id can be started again');
  }),

  define(
    'deleting a Pending instance during its first turn makes that turn lose its lock',
    async (provider) => {
      await provider.createInstance(startItem('ic-del-busy'));
      const item = await fetchBatch(provider, 'ic-del-busy');
      await provider.deleteInstances(['ic-del-busy'], false);
      await expectLockLost(
        provider.ackOrchestrationItem(
          item.lockToken,
          emptyAck({ historyDelta: [startedEvent('ic-del-busy')], metadata: metadata() }),
        ),
        'the ack of a deleted Pending instance',
      );
      assert.equal(await provider.getInstanceInfo('ic-del-busy'), null, 'nothing was recreated');
      assert.deepEqual(await provider.readHistory('ic-del-busy'), []);
    },
  ),
];
