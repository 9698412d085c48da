/**
 * Management reads: listing, counting, paging and filtering instances; executions, children;
 * store-wide metrics, queue depths and per-instance size figures.
 */
import assert from 'node:assert/strict';
import type { InstanceQuery, Provider } from '../../core/provider.js';
import {
  LONG_LEASE_MS,
  activityItem,
  completeInstance,
  continueAsNew,
  continueAsNewItem,
  continuedAsNewEvent,
  createCompleted,
  createInstance,
  emptyAck,
  externalEvent,
  externalItem,
  failInstance,
  fetchBatch,
  fetchWork,
  kvSet,
  metadata,
  nextEventId,
  runTurn,
  sleep,
  startItem,
  startedEvent,
  timerItem,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('management');

async function ids(provider: Provider, query?: InstanceQuery): Promise<string[]> {
  return (await provider.listInstances(query)).map((info) => info.instanceId);
}

/** Creates instances one after the other, a few ms apart so createdAt orders them. */
async function createInOrder(provider: Provider, instanceIds: string[]): Promise<void> {
  for (const id of instanceIds) {
    await createInstance(provider, id);
    await sleep(5);
  }
}

export const managementCases: readonly ValidationCase[] = [
  define('an empty store lists, counts and measures nothing', async (provider) => {
    assert.deepEqual(await provider.listInstances(), []);
    assert.equal(await provider.countInstances(), 0);
    assert.deepEqual(await provider.getSystemMetrics(), {
      totalInstances: 0,
      totalExecutions: 0,
      runningInstances: 0,
      completedInstances: 0,
      failedInstances: 0,
      totalEvents: 0,
    });
    assert.deepEqual(await provider.getQueueDepths(), {
      orchestratorQueue: 0,
      workerQueue: 0,
      timerQueue: 0,
    });
    assert.deepEqual(await provider.listExecutions('mg-nobody'), []);
    assert.equal(await provider.getExecutionInfo('mg-nobody', 1), null);
    assert.deepEqual(await provider.listChildren('mg-nobody'), []);
    assert.equal(await provider.getInstanceStats('mg-nobody'), null);
  }),

  define('listInstances reports each instance with its current execution', async (provider) => {
    await createInstance(provider, 'mg-info-run');
    await runTurn(provider, 'mg-info-run', () => ({ customStatus: { status: 'busy' } }));
    await createCompleted(provider, 'mg-info-done');
    const infos = await provider.listInstances();
    const byId = new Map(infos.map((info) => [info.instanceId, info]));
    assert.equal(infos.length, 2);
    assert.deepEqual(byId.get('mg-info-run'), await provider.getInstanceInfo('mg-info-run'));
    assert.deepEqual(byId.get('mg-info-done'), await provider.getInstanceInfo('mg-info-done'));
    assert.equal(byId.get('mg-info-run')?.status, 'Running');
    assert.equal(byId.get('mg-info-run')?.customStatus, 'busy');
    assert.equal(byId.get('mg-info-done')?.status, 'Completed');
    assert.equal(byId.get('mg-info-done')?.output, '"done"');
  }),

  define('listInstances orders by createdAt, newest first, by default', async (provider) => {
    await createInOrder(provider, ['mg-ord-b', 'mg-ord-c', 'mg-ord-a']);
    assert.deepEqual(await ids(provider), ['mg-ord-a', 'mg-ord-c', 'mg-ord-b']);
    assert.deepEqual(await ids(provider, { descending: false }), ['mg-ord-b', 'mg-ord-c', 'mg-ord-a']);
    assert.deepEqual(await ids(provider, { orderBy: 'createdAt', descending: true }), [
      'mg-ord-a',
      'mg-ord-c',
      'mg-ord-b',
    ]);
  }),

  define('listInstances orders by instanceId', async (provider) => {
    await createInOrder(provider, ['mg-id-b', 'mg-id-c', 'mg-id-a']);
    assert.deepEqual(await ids(provider, { orderBy: 'instanceId', descending: false }), [
      'mg-id-a',
      'mg-id-b',
      'mg-id-c',
    ]);
    assert.deepEqual(await ids(provider, { orderBy: 'instanceId' }), ['mg-id-c', 'mg-id-b', 'mg-id-a']);
  }),

  define('listInstances orders by updatedAt', async (provider) => {
    await createInOrder(provider, ['mg-upd-a', 'mg-upd-b', 'mg-upd-c']);
    await runTurn(provider, 'mg-upd-a');
    await sleep(5);
    await runTurn(provider, 'mg-upd-b');
    assert.deepEqual(await ids(provider, { orderBy: 'updatedAt' }), ['mg-upd-b', 'mg-upd-a', 'mg-upd-c']);
    assert.deepEqual(await ids(provider, { orderBy: 'updatedAt', descending: false }), [
      'mg-upd-c',
      'mg-upd-a',
      'mg-upd-b',
    ]);
  }),

  define('listInstances filters by status of the current execution', async (provider) => {
    await createInstance(provider, 'mg-st-run');
    await createCompleted(provider, 'mg-st-done');
    await createInstance(provider, 'mg-st-fail');
    await failInstance(provider, 'mg-st-fail');
    await createInstance(provider, 'mg-st-can');
    await continueAsNew(provider, 'mg-st-can');
    await createInstance(provider, 'mg-st-can-done');
    await continueAsNew(provider, 'mg-st-can-done');
    await completeInstance(provider, 'mg-st-can-done');
    const sorted = async (query: InstanceQuery): Promise<string[]> => (await ids(provider, query)).sort();
    assert.deepEqual(await sorted({ status: 'Running' }), ['mg-st-can', 'mg-st-run']);
    assert.deepEqual(await sorted({ status: 'Completed' }), ['mg-st-can-done', 'mg-st-done']);
    assert.deepEqual(await sorted({ status: 'Failed' }), ['mg-st-fail']);
    assert.deepEqual(await sorted({ status: 'ContinuedAsNew' }), []);
  }),

  define('listInstances filters by orchestration name and by roots only', async (provider) => {
    await createInstance(provider, 'mg-name-a', { name: 'Alpha' });
    await createInstance(provider, 'mg-name-b', { name: 'Beta' });
    await createInstance(provider, 'mg-name-child', { name: 'Alpha', parentInstanceId: 'mg-name-a' });
    assert.deepEqual((await ids(provider, { orchestrationName: 'Alpha' })).sort(), [
      'mg-name-a',
      'mg-name-child',
    ]);
    assert.deepEqual(await ids(provider, { orchestrationName: 'Gamma' }), []);
    assert.deepEqual((await ids(provider, { rootsOnly: true })).sort(), ['mg-name-a', 'mg-name-b']);
    assert.deepEqual(await ids(provider, { orchestrationName: 'Alpha', rootsOnly: true }), ['mg-name-a']);
  }),

  define('idContains is a case-sensitive, literal substring match', async (provider) => {
    for (const id of ['order-42', 'Order-43', 'ord_x', 'ordAx', 'ord%y', 'other'])
      await createInstance(provider, id);
    const match = async (idContains: string): Promise<string[]> =>
      (await ids(provider, { idContains })).sort();
    assert.deepEqual(await match('order'), ['order-42']);
    assert.deepEqual(await match('Order'), ['Order-43']);
    assert.deepEqual(await match('ord_'), ['ord_x'], "'_' is not a wildcard");
    assert.deepEqual(await match('ord%'), ['ord%y'], "'%' is not a wildcard");
    assert.deepEqual(await match('-4'), ['Order-43', 'order-42']);
    assert.deepEqual(await match('zzz'), []);
  }),

  define('limit and offset page through the ordered list', async (provider) => {
    const all = ['mg-page-1', 'mg-page-2', 'mg-page-3', 'mg-page-4', 'mg-page-5'];
    for (const id of all) await createInstance(provider, id);
    const page = (limit: number, offset: number): Promise<string[]> =>
      ids(provider, { orderBy: 'instanceId', descending: false, limit, offset });
    assert.deepEqual(await page(2, 0), ['mg-page-1', 'mg-page-2']);
    assert.deepEqual(await page(2, 2), ['mg-page-3', 'mg-page-4']);
    assert.deepEqual(await page(2, 4), ['mg-page-5']);
    assert.deepEqual(await page(2, 6), []);
    assert.deepEqual(await ids(provider, { orderBy: 'instanceId', descending: false, offset: 3 }), [
      'mg-page-4',
      'mg-page-5',
    ]);
  }),

  define('countInstances applies filters and ignores limit and offset', async (provider) => {
    await createInstance(provider, 'mg-cnt-1', { name: 'Alpha' });
    await createInstance(provider, 'mg-cnt-2', { name: 'Alpha' });
    await createCompleted(provider, 'mg-cnt-3', { name: 'Alpha' });
    await createInstance(provider, 'mg-cnt-4', { name: 'Beta' });
    assert.equal(await provider.countInstances(), 4);
    assert.equal(await provider.countInstances({ limit: 1, offset: 1 }), 4);
    assert.equal(await provider.countInstances({ orchestrationName: 'Alpha' }), 3);
    assert.equal(await provider.countInstances({ orchestrationName: 'Alpha', status: 'Running' }), 2);
    assert.equal(await provider.countInstances({ idContains: 'cnt-4' }), 1);
    assert.equal(await provider.countInstances({ status: 'Failed' }), 0);
  }),

  define('listExecutions lists execution ids in ascending order', async (provider) => {
    await createInstance(provider, 'mg-execs');
    assert.deepEqual(await provider.listExecutions('mg-execs'), [1]);
    await continueAsNew(provider, 'mg-execs');
    await continueAsNew(provider, 'mg-execs');
    assert.deepEqual(await provider.listExecutions('mg-execs'), [1, 2, 3]);
  }),

  define('getExecutionInfo reports status, output, times and event count', async (provider) => {
    const before = Date.now();
    await createInstance(provider, 'mg-exec-info', { events: (id) => [externalEvent(id, 2)] });
    const running = await provider.getExecutionInfo('mg-exec-info', 1);
    assert.ok(running);
    assert.equal(running.executionId, 1);
    assert.equal(running.status, 'Running');
    assert.equal(running.output, null);
    assert.equal(running.completedAt, null);
    assert.equal(running.eventCount, 2);
    assert.ok(running.startedAt >= before - 1_000, 'startedAt is the time of the first ack');
    await completeInstance(provider, 'mg-exec-info', '"fine"');
    const done = await provider.getExecutionInfo('mg-exec-info', 1);
    assert.ok(done);
    assert.equal(done.status, 'Completed');
    assert.equal(done.output, '"fine"');
    assert.equal(done.eventCount, 3);
    assert.equal(done.startedAt, running.startedAt);
    assert.ok(
      done.completedAt !== null && done.completedAt >= done.startedAt,
      'completedAt is set at the end',
    );
    assert.equal(await provider.getExecutionInfo('mg-exec-info', 2), null);
  }),

  define('getInstanceInfo follows the current execution through continue-as-new', async (provider) => {
    await createInstance(provider, 'mg-cur');
    await runTurn(provider, 'mg-cur', (item) => ({
      historyDelta: [continuedAsNewEvent('mg-cur', nextEventId(item), '"n"')],
      orchestratorItems: [{ item: continueAsNewItem('mg-cur', '"n"') }],
      metadata: metadata({ status: 'ContinuedAsNew', output: '"n"' }),
    }));
    const ended = await provider.getInstanceInfo('mg-cur');
    assert.equal(ended?.currentExecutionId, 1);
    assert.equal(ended?.status, 'ContinuedAsNew');
    assert.equal(ended?.output, '"n"');
    const item = await fetchBatch(provider, 'mg-cur');
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ executionId: 2, historyDelta: [startedEvent('mg-cur', 1, 2)], metadata: metadata() }),
    );
    const next = await provider.getInstanceInfo('mg-cur');
    assert.equal(next?.currentExecutionId, 2);
    assert.equal(next?.status, 'Running');
    assert.equal(next?.output, null);
  }),

  define('listChildren lists direct children in creation order', async (provider) => {
    await createInstance(provider, 'mg-root');
    await createInstance(provider, 'mg-kid-b', { parentInstanceId: 'mg-root' });
    await sleep(5);
    await createInstance(provider, 'mg-kid-a', { parentInstanceId: 'mg-root' });
    await createInstance(provider, 'mg-grandkid', { parentInstanceId: 'mg-kid-b' });
    assert.deepEqual(await provider.listChildren('mg-root'), ['mg-kid-b', 'mg-kid-a']);
    assert.deepEqual(await provider.listChildren('mg-kid-b'), ['mg-grandkid']);
    assert.deepEqual(await provider.listChildren('mg-kid-a'), []);
  }),

  define('getSystemMetrics counts instances by status, executions and events', async (provider) => {
    await createInstance(provider, 'mg-met-run');
    await createCompleted(provider, 'mg-met-done');
    await createInstance(provider, 'mg-met-fail');
    await failInstance(provider, 'mg-met-fail');
    await createInstance(provider, 'mg-met-can');
    await continueAsNew(provider, 'mg-met-can');
    // Events: run 1, done 2, fail 2, can 2 + 1.
    assert.deepEqual(await provider.getSystemMetrics(), {
      totalInstances: 4,
      totalExecutions: 5,
      runningInstances: 2,
      completedInstances: 1,
      failedInstances: 1,
      totalEvents: 8,
    });
  }),

  define('getQueueDepths counts unlocked messages per queue and future ones as timers', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('mg-q-a'));
    await provider.enqueueOrchestratorWork(externalItem('mg-q-a'));
    await provider.enqueueOrchestratorWork(startItem('mg-q-b'));
    await provider.enqueueOrchestratorWork(timerItem('mg-q-c', 1, Date.now() + 60_000), 60_000);
    await provider.enqueueWorkerWork(activityItem('mg-q-a', 1));
    await provider.enqueueWorkerWork(activityItem('mg-q-a', 2));
    assert.deepEqual(await provider.getQueueDepths(), {
      orchestratorQueue: 3,
      workerQueue: 2,
      timerQueue: 1,
    });
    await fetchBatch(provider, 'mg-q-a', LONG_LEASE_MS);
    await fetchWork(provider);
    assert.deepEqual(await provider.getQueueDepths(), {
      orchestratorQueue: 1,
      workerQueue: 1,
      timerQueue: 1,
    });
  }),

  define('getStoreActivity counts work in progress and finds the next delayed message', async (provider) => {
    // Optional: a provider without it cannot run under durox/testing's virtual time.
    if (typeof provider.getStoreActivity !== 'function') return;
    const activity = () => provider.getStoreActivity!();
    assert.deepEqual(await activity(), { inProgress: 0, nextDueAtMs: null });
    await createInstance(provider, 'mg-sa');
    assert.deepEqual(await activity(), { inProgress: 0, nextDueAtMs: null }, 'an acked turn leaves nothing');

    const before = Date.now();
    await provider.enqueueOrchestratorWork(timerItem('mg-sa', 2, before + 60_000), 60_000);
    const waiting = await activity();
    assert.equal(waiting.inProgress, 0, 'a delayed message is not in progress');
    assert.ok(
      waiting.nextDueAtMs !== null &&
        waiting.nextDueAtMs >= before + 60_000 &&
        waiting.nextDueAtMs <= Date.now() + 60_000,
      `next due ~60 s ahead, got ${waiting.nextDueAtMs}`,
    );

    await provider.enqueueOrchestratorWork(externalItem('mg-sa'));
    assert.ok((await activity()).inProgress > 0, 'a visible message is in progress');
    const turn = await fetchBatch(provider, 'mg-sa');
    assert.ok((await activity()).inProgress > 0, 'a leased turn is in progress');
    await provider.ackOrchestrationItem(turn.lockToken, emptyAck());
    assert.equal((await activity()).inProgress, 0, 'the acked turn is done');

    await provider.enqueueWorkerWork(activityItem('mg-sa', 1));
    assert.ok((await activity()).inProgress > 0, 'a queued activity is in progress');
    const lease = await fetchWork(provider);
    assert.ok((await activity()).inProgress > 0, 'a running activity is in progress');
    await provider.ackWorkItem(lease.lockToken, null);
    assert.deepEqual(await activity(), { inProgress: 0, nextDueAtMs: waiting.nextDueAtMs });
  }),

  define('getInstanceStats reports history and KV sizes of the current execution', async (provider) => {
    await createInstance(provider, 'mg-stats', {
      ack: { kvMutations: [kvSet('a', '"xx"'), kvSet('b', '"yyy"')] },
    });
    const small = await provider.getInstanceStats('mg-stats');
    assert.ok(small);
    assert.equal(small.historyEventCount, 1);
    assert.ok(small.historySizeBytes > 0, 'historySizeBytes counts the stored events');
    assert.equal(small.queuePendingCount, 0);
    assert.equal(small.kvUserKeyCount, 2);
    assert.equal(small.kvTotalValueBytes, 9);
    await runTurn(provider, 'mg-stats', () => ({
      historyDelta: [externalEvent('mg-stats', 2, `"${'z'.repeat(1_000)}"`)],
    }));
    const large = await provider.getInstanceStats('mg-stats');
    assert.equal(large?.historyEventCount, 2);
    assert.ok(
      (large?.historySizeBytes ?? 0) >= small.historySizeBytes + 1_000,
      'historySizeBytes grows with events',
    );
    await continueAsNew(provider, 'mg-stats');
    const next = await provider.getInstanceStats('mg-stats');
    assert.equal(next?.historyEventCount, 1, 'only the current execution counts');
    assert.equal(next?.kvUserKeyCount, 2, 'KV state outlives the execution');
  }),

  define('getInstanceStats counts messages carried forward by continue-as-new', async (provider) => {
    await createInstance(provider, 'mg-carry');
    await continueAsNew(provider, 'mg-carry', {
      carry: [
        ['inbox', '"one"'],
        ['inbox', '"two"'],
      ],
    });
    assert.equal((await provider.getInstanceStats('mg-carry'))?.queuePendingCount, 2);
  }),
];
