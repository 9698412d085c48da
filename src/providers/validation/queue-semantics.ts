/**
 * Queue semantics: peek-lock, FIFO, delayed visibility, batch shape, round trips of every work
 * item kind, and orphan messages for instances that do not exist.
 */
import assert from 'node:assert/strict';
import type { OrchestratorWorkItem } from '../../core/history.js';
import {
  DELAY_MS,
  FAILURE,
  activityItem,
  assertNoBatch,
  assertNoWork,
  completionItem,
  continueAsNewItem,
  createInstance,
  emptyAck,
  externalEvent,
  externalItem,
  fetchBatch,
  fetchWork,
  metadata,
  queueItem,
  scheduledEvent,
  sleep,
  startItem,
  startedEvent,
  timerItem,
  waitUntil,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('queue-semantics');

export const queueSemanticsCases: readonly ValidationCase[] = [
  define('fetches return null on an empty store', async (provider) => {
    assert.equal(await provider.fetchOrchestrationItem(1000), null);
    assert.equal(await provider.fetchWorkItem(1000, { tagFilter: { mode: 'any' } }), null);
  }),

  define('worker items are handed out first in, first out, each once', async (provider) => {
    for (let id = 1; id <= 4; id++) await provider.enqueueWorkerWork(activityItem('q-fifo', id));
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await fetchWork(provider)).item.id);
    assert.deepEqual(ids, [1, 2, 3, 4]);
    await assertNoWork(provider);
  }),

  define('a locked work item is invisible until acked (gone) or abandoned (back)', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('q-peek', 1));
    await provider.enqueueWorkerWork(activityItem('q-peek', 2));
    const first = await fetchWork(provider);
    const second = await fetchWork(provider);
    assert.deepEqual([first.item.id, second.item.id], [1, 2]);
    await assertNoWork(provider);
    await provider.ackWorkItem(first.lockToken, null);
    await provider.abandonWorkItem(second.lockToken);
    const again = await fetchWork(provider);
    assert.equal(again.item.id, 2);
    await assertNoWork(provider);
  }),

  define('a new instance comes with identity from its start message and no history', async (provider) => {
    await provider.enqueueOrchestratorWork(
      startItem('q-new', { orchestration: 'Billing', version: '2.1.0' }),
    );
    const item = await fetchBatch(provider, 'q-new');
    assert.equal(item.orchestrationName, 'Billing');
    assert.equal(item.orchestrationVersion, '2.1.0');
    assert.equal(item.executionId, 1);
    assert.deepEqual(item.history, []);
    assert.equal(item.attemptCount, 1);
    assert.deepEqual(item.kvSnapshot, {});
    assert.equal(item.historyError, undefined);
    assert.equal(typeof item.lockToken, 'string');
    assert.ok(item.lockToken.length > 0);
  }),

  define('an existing instance comes with its current history in event order', async (provider) => {
    await createInstance(provider, 'q-hist', {
      events: (id) => [scheduledEvent(id, 2), externalEvent(id, 3)],
    });
    await provider.enqueueOrchestratorWork(externalItem('q-hist'));
    const item = await fetchBatch(provider, 'q-hist');
    assert.deepEqual(item.history, [
      startedEvent('q-hist'),
      scheduledEvent('q-hist', 2),
      externalEvent('q-hist', 3),
    ]);
    assert.equal(item.orchestrationName, 'Greeter');
    assert.equal(item.orchestrationVersion, '1.0.0');
  }),

  define('every orchestrator work item kind round-trips unchanged', async (provider) => {
    const items: OrchestratorWorkItem[] = [
      startItem('q-kinds', {
        version: '3.0.0',
        input: '{"a":[1,2]}',
        parent: { instance: 'p', id: 4, executionId: 2 },
      }),
      completionItem('q-kinds', 2, '{"ok":true}'),
      { type: 'ActivityFailed', instance: 'q-kinds', execution_id: 1, id: 3, details: FAILURE },
      timerItem('q-kinds', 4, 1_700_000_000_123),
      externalItem('q-kinds', '"payload"', 'approval'),
      queueItem('q-kinds', '{"n":1}', 'inbox'),
      {
        type: 'SubOrchCompleted',
        instance: 'q-kinds',
        execution_id: 1,
        id: 5,
        child_instance: 'c',
        result: '1',
      },
      {
        type: 'SubOrchFailed',
        instance: 'q-kinds',
        execution_id: 1,
        id: 6,
        child_instance: 'c',
        details: FAILURE,
      },
      { type: 'CancelInstance', instance: 'q-kinds', reason: 'stop' },
      { ...continueAsNewItem('q-kinds', '"n"', [['inbox', '"carried"']]), initial_custom_status: 'st' },
    ];
    for (const item of items) await provider.enqueueOrchestratorWork(item);
    const batch = await fetchBatch(provider, 'q-kinds');
    assert.deepEqual(batch.messages, items);
  }),

  define('activity items round-trip unchanged', async (provider) => {
    const item = activityItem('q-act', 7, {
      execution_id: 3,
      name: 'Charge',
      input: '{"amount":12.5,"note":"é ✓"}',
      session_id: 'sess',
      tag: 'gpu',
      orchestration_name: 'Billing',
      orchestration_version: '2.0.0',
    });
    await provider.enqueueWorkerWork(item);
    const lease = await fetchWork(provider, {
      tagFilter: { mode: 'any' },
      session: { ownerId: 'w', lockTimeoutMs: 30_000 },
    });
    assert.deepEqual(lease.item, item);
  }),

  define('instances are fetched oldest message first', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('q-order-a'));
    await provider.enqueueOrchestratorWork(startItem('q-order-b'));
    await provider.enqueueOrchestratorWork(startItem('q-order-c'));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await fetchBatch(provider)).instanceId);
    assert.deepEqual(order, ['q-order-a', 'q-order-b', 'q-order-c']);
  }),

  define('a delayed enqueue stays invisible until its time', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('q-delay'), DELAY_MS);
    await assertNoBatch(provider, 'the delayed message is not visible yet');
    await sleep(DELAY_MS + 50);
    await fetchBatch(provider, 'q-delay');
  }),

  define('a timer enqueued by an ack stays invisible until its fire time', async (provider) => {
    const fireAt = Date.now() + DELAY_MS;
    await createInstance(provider, 'q-timer', {
      ack: { orchestratorItems: [{ item: timerItem('q-timer', 2, fireAt), visibleAtMs: fireAt }] },
    });
    await assertNoBatch(provider, 'the timer is not due yet');
    const item = await waitUntil('the timer to become visible', () =>
      provider.fetchOrchestrationItem(30_000),
    );
    assert.ok(Date.now() >= fireAt, 'the timer was delivered before its fire time');
    assert.deepEqual(item.messages, [timerItem('q-timer', 2, fireAt)]);
  }),

  define('messages not yet visible are skipped, and left out of their instance batch', async (provider) => {
    await createInstance(provider, 'q-skip-a');
    await provider.enqueueOrchestratorWork(externalItem('q-skip-a', '"later"'), DELAY_MS * 2);
    await provider.enqueueOrchestratorWork(startItem('q-skip-b'));
    const b = await fetchBatch(provider, 'q-skip-b');
    assert.deepEqual(b.messages, [startItem('q-skip-b')]);
    await provider.enqueueOrchestratorWork(externalItem('q-skip-a', '"now"'));
    const a = await fetchBatch(provider, 'q-skip-a');
    assert.deepEqual(
      a.messages,
      [externalItem('q-skip-a', '"now"')],
      'the future message must not be in the batch',
    );
    await provider.ackOrchestrationItem(a.lockToken, emptyAck({ metadata: metadata() }));
    const later = await waitUntil('the delayed message to become visible', () =>
      provider.fetchOrchestrationItem(30_000),
    );
    assert.deepEqual(
      later.messages,
      [externalItem('q-skip-a', '"later"')],
      'the future message must survive the ack',
    );
  }),

  define('an abandoned batch with a delay stays invisible until then', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('q-abandon-delay'));
    const item = await fetchBatch(provider, 'q-abandon-delay');
    await provider.abandonOrchestrationItem(item.lockToken, DELAY_MS);
    await assertNoBatch(provider, 'the abandoned batch is delayed');
    await sleep(DELAY_MS + 50);
    const again = await fetchBatch(provider, 'q-abandon-delay');
    assert.deepEqual(again.messages, [startItem('q-abandon-delay')]);
  }),

  define('an abandoned work item with a delay stays invisible until then', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('q-w-delay', 1));
    const lease = await fetchWork(provider);
    await provider.abandonWorkItem(lease.lockToken, DELAY_MS);
    await assertNoWork(provider, undefined, 'the abandoned item is delayed');
    await sleep(DELAY_MS + 50);
    assert.equal((await fetchWork(provider)).item.id, 1);
  }),

  define('orphan messages are returned and dropped by an ack without metadata', async (provider) => {
    await provider.enqueueOrchestratorWork(queueItem('q-orphan'));
    await provider.enqueueOrchestratorWork(externalItem('q-orphan'));
    await provider.enqueueOrchestratorWork(completionItem('q-orphan', 2));
    const item = await fetchBatch(provider, 'q-orphan');
    assert.deepEqual(item.history, []);
    assert.equal(item.executionId, 1);
    assert.equal(item.messages.length, 3);
    await provider.ackOrchestrationItem(item.lockToken, emptyAck());
    assert.equal(
      await provider.getInstanceInfo('q-orphan'),
      null,
      'an ack without metadata creates no instance',
    );
    assert.deepEqual(await provider.readHistory('q-orphan'), []);
    await assertNoBatch(provider, 'the orphans must be gone');
  }),

  define('a worker ack enqueues its completion; a null completion drops the result', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('q-done', 1));
    await provider.enqueueWorkerWork(activityItem('q-done', 2));
    await provider.ackWorkItem((await fetchWork(provider)).lockToken, completionItem('q-done', 1));
    await provider.ackWorkItem((await fetchWork(provider)).lockToken, null);
    await assertNoWork(provider);
    const batch = await fetchBatch(provider, 'q-done');
    assert.deepEqual(batch.messages, [completionItem('q-done', 1)]);
  }),
];
