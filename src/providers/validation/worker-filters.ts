/**
 * Worker filters: fetch skip lists (work other workers run is left to them) and the worker
 * registry they are computed from.
 */
import assert from 'node:assert/strict';
import type { Provider } from '../../core/provider.js';
import {
  DEFAULT_ONLY,
  LONG_LEASE_MS,
  activityItem,
  createInstance,
  externalItem,
  fetchWork,
  sleep,
  startItem,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('worker-filters');

/** Instance ids of every batch fetchable with `skip` (each is abandoned without an attempt). */
async function fetchable(provider: Provider, skip: string[]): Promise<string[]> {
  const ids: string[] = [];
  const tokens: string[] = [];
  for (;;) {
    const item = await provider.fetchOrchestrationItem(LONG_LEASE_MS, { skipOrchestrations: skip });
    if (item === null) break;
    ids.push(item.instanceId);
    tokens.push(item.lockToken);
  }
  for (const token of tokens) await provider.abandonOrchestrationItem(token, 0, true);
  return ids.sort();
}

function hasRegistry(provider: Provider): boolean {
  return typeof provider.registerWorker === 'function' && typeof provider.listWorkers === 'function';
}

export const workerFilterCases: readonly ValidationCase[] = [
  define(
    'an orchestration fetch skips new instances whose start names a skipped orchestration',
    async (provider) => {
      await provider.enqueueOrchestratorWork(startItem('wf-a', { orchestration: 'Alpha' }));
      await provider.enqueueOrchestratorWork(startItem('wf-b', { orchestration: 'Beta' }));
      assert.deepEqual(await fetchable(provider, ['Alpha']), ['wf-b']);
      assert.deepEqual(await fetchable(provider, ['Beta', 'Gamma']), ['wf-a']);
      assert.deepEqual(await fetchable(provider, ['Alpha', 'Beta']), []);
      // An empty list skips nothing.
      assert.deepEqual(await fetchable(provider, []), ['wf-a', 'wf-b']);
    },
  ),

  define(
    'an orchestration fetch skips messages of instances whose stored name is skipped',
    async (provider) => {
      await createInstance(provider, 'wf-row', { name: 'Alpha' });
      await provider.enqueueOrchestratorWork(externalItem('wf-row'));
      assert.deepEqual(await fetchable(provider, ['Alpha']), []);
      assert.deepEqual(await fetchable(provider, ['Beta']), ['wf-row']);
    },
  ),

  define('a skipped instance does not hide the instances queued after it', async (provider) => {
    for (let i = 0; i < 5; i++)
      await provider.enqueueOrchestratorWork(startItem(`wf-head-${i}`, { orchestration: 'Alpha' }));
    await provider.enqueueOrchestratorWork(startItem('wf-tail', { orchestration: 'Beta' }));
    const item = await provider.fetchOrchestrationItem(LONG_LEASE_MS, { skipOrchestrations: ['Alpha'] });
    assert.equal(item?.instanceId, 'wf-tail');
  }),

  define('messages of an instance with no name (orphans) are never skipped', async (provider) => {
    await provider.enqueueOrchestratorWork(externalItem('wf-orphan'));
    assert.deepEqual(await fetchable(provider, ['Greeter', 'Alpha']), ['wf-orphan']);
  }),

  define(
    'an activity fetch skips items of skipped activity names, with tags and in order',
    async (provider) => {
      await provider.enqueueWorkerWork(activityItem('wf-act', 1, { name: 'Charge' }));
      await provider.enqueueWorkerWork(activityItem('wf-act', 2, { name: 'Ship' }));
      await provider.enqueueWorkerWork(activityItem('wf-act', 3, { name: 'Charge', tag: 'gpu' }));
      await provider.enqueueWorkerWork(activityItem('wf-act', 4, { name: 'Notify' }));
      const skipCharge = { ...DEFAULT_ONLY, skipActivities: ['Charge'] };
      const first = await fetchWork(provider, skipCharge);
      assert.equal(first.item.id, 2);
      const second = await fetchWork(provider, skipCharge);
      assert.equal(second.item.id, 4);
      assert.equal(await provider.fetchWorkItem(LONG_LEASE_MS, skipCharge), null);
      const gpu = await provider.fetchWorkItem(LONG_LEASE_MS, {
        tagFilter: { mode: 'any' },
        skipActivities: ['Ship', 'Notify'],
      });
      assert.equal(gpu?.item.id, 1);
      // Without a skip list the remaining Charge item is fetched like any other.
      const any = await fetchWork(provider, { tagFilter: { mode: 'any' } });
      assert.equal(any.item.id, 3);
    },
  ),

  define('registered workers are listed until unregistered, with what they run', async (provider) => {
    if (!hasRegistry(provider)) return;
    await provider.registerWorker!(
      { workerId: 'w-1', orchestrations: { Alpha: ['1.0.0', '2.0.0'] }, activities: ['Charge'] },
      60_000,
    );
    await provider.registerWorker!({ workerId: 'w-2', orchestrations: {}, activities: ['Ship'] }, 60_000);
    const listed = await provider.listWorkers!();
    assert.deepEqual(
      listed.map((w) => [w.workerId, w.orchestrations, w.activities]),
      [
        ['w-1', { Alpha: ['1.0.0', '2.0.0'] }, ['Charge']],
        ['w-2', {}, ['Ship']],
      ],
    );
    const w1 = listed[0]!;
    assert.ok(w1.heartbeatAt >= w1.registeredAt && w1.expiresAt >= w1.heartbeatAt + 59_000, 'times');
    // A heartbeat replaces what the worker runs and keeps its first registration time.
    await provider.registerWorker!(
      { workerId: 'w-1', orchestrations: { Beta: ['1.0.0'] }, activities: [] },
      60_000,
    );
    await provider.unregisterWorker!('w-2');
    const after = await provider.listWorkers!();
    assert.deepEqual(
      after.map((w) => [w.workerId, w.orchestrations, w.activities, w.registeredAt]),
      [['w-1', { Beta: ['1.0.0'] }, [], w1.registeredAt]],
    );
  }),

  define('a registration without heartbeat lapses after its ttl', async (provider) => {
    if (!hasRegistry(provider)) return;
    await provider.registerWorker!(
      { workerId: 'w-short', orchestrations: { A: ['1.0.0'] }, activities: [] },
      150,
    );
    await provider.registerWorker!({ workerId: 'w-long', orchestrations: {}, activities: ['B'] }, 60_000);
    assert.deepEqual(
      (await provider.listWorkers!()).map((w) => w.workerId),
      ['w-long', 'w-short'],
    );
    await sleep(300);
    assert.deepEqual(
      (await provider.listWorkers!()).map((w) => w.workerId),
      ['w-long'],
    );
  }),
];
