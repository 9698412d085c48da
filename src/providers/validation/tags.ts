/**
 * Activity tags: a worker's tag filter decides which activity items it may fetch.
 */
import assert from 'node:assert/strict';
import type { FetchWorkItemOptions, Provider } from '../../core/provider.js';
import { activityItem, assertNoWork, createInstance, fetchWork } from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('tags');

/** Enqueues items 1 (untagged), 2 (gpu), 3 (io), 4 (other), 5 (untagged). */
async function enqueueMixed(provider: Provider, instance: string): Promise<void> {
  await provider.enqueueWorkerWork(activityItem(instance, 1));
  await provider.enqueueWorkerWork(activityItem(instance, 2, { tag: 'gpu' }));
  await provider.enqueueWorkerWork(activityItem(instance, 3, { tag: 'io' }));
  await provider.enqueueWorkerWork(activityItem(instance, 4, { tag: 'other' }));
  await provider.enqueueWorkerWork(activityItem(instance, 5));
}

/** Ids of every item `options` can fetch, in fetch order (each is acked). */
async function drain(provider: Provider, options: FetchWorkItemOptions): Promise<number[]> {
  const ids: number[] = [];
  for (;;) {
    const lease = await provider.fetchWorkItem(30_000, options);
    if (lease === null) return ids;
    ids.push(lease.item.id);
    await provider.ackWorkItem(lease.lockToken, null);
  }
}

export const tagCases: readonly ValidationCase[] = [
  define('defaultOnly takes only untagged items', async (provider) => {
    await enqueueMixed(provider, 'tag-default');
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'defaultOnly' } }), [1, 5]);
  }),

  define('tags takes only items with a listed tag', async (provider) => {
    await enqueueMixed(provider, 'tag-tags');
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } }), [2]);
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'tags', tags: ['io', 'other'] } }), [3, 4]);
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'tags', tags: ['nothing'] } }), []);
  }),

  define('defaultAnd takes untagged items and items with a listed tag', async (provider) => {
    await enqueueMixed(provider, 'tag-and');
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'defaultAnd', tags: ['io'] } }), [1, 3, 5]);
  }),

  define('any takes every item in FIFO order', async (provider) => {
    await enqueueMixed(provider, 'tag-any');
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'any' } }), [1, 2, 3, 4, 5]);
  }),

  define('none takes nothing', async (provider) => {
    await enqueueMixed(provider, 'tag-none');
    assert.equal(await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'none' } }), null);
    assert.deepEqual(await drain(provider, { tagFilter: { mode: 'any' } }), [1, 2, 3, 4, 5]);
  }),

  define('items skipped by a filter stay available, unlocked and uncounted', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('tag-skip', 1, { tag: 'gpu' }));
    await assertNoWork(provider, { tagFilter: { mode: 'defaultOnly' } });
    await assertNoWork(provider, { tagFilter: { mode: 'tags', tags: ['io'] } });
    const lease = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } });
    assert.equal(lease.attemptCount, 1);
  }),

  define('a tag survives an abandon', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('tag-abandon', 1, { tag: 'gpu' }));
    const lease = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } });
    await provider.abandonWorkItem(lease.lockToken);
    await assertNoWork(provider, { tagFilter: { mode: 'defaultOnly' } }, 'the abandoned item keeps its tag');
    const again = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } });
    assert.equal(again.item.tag, 'gpu');
  }),

  define('a tag set by an orchestration ack routes the item', async (provider) => {
    await createInstance(provider, 'tag-ack', {
      ack: { workerItems: [activityItem('tag-ack', 2, { tag: 'gpu' }), activityItem('tag-ack', 3)] },
    });
    const tagged = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } });
    assert.deepEqual(tagged.item, activityItem('tag-ack', 2, { tag: 'gpu' }));
    assert.equal((await fetchWork(provider, { tagFilter: { mode: 'defaultOnly' } })).item.id, 3);
  }),

  define('tag filters apply to session items too', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('tag-sess', 1, { tag: 'gpu', session_id: 's1' }));
    const session = { ownerId: 'w1', lockTimeoutMs: 30_000 };
    await assertNoWork(provider, { tagFilter: { mode: 'defaultOnly' }, session });
    const lease = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] }, session });
    assert.equal(lease.item.session_id, 's1');
  }),
];
