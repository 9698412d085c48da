/**
 * Sessions: activity items with a session id go to the worker owning the session; the first
 * fetch claims it, the owner keeps it while its lease is renewed, and anyone may take it over
 * once the lease expired.
 */
import assert from 'node:assert/strict';
import {
  DEFAULT_ONLY,
  EXPIRY_WAIT_MS,
  SHORT_LEASE_MS,
  activityItem,
  asOwner,
  assertNoWork,
  fetchWork,
  sleep,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('sessions');

export const sessionCases: readonly ValidationCase[] = [
  define('session items need a session config; session workers get plain items too', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-hidden', 1, { session_id: 's1' }));
    await assertNoWork(provider, DEFAULT_ONLY, 'a fetch without session config must skip session items');
    await provider.enqueueWorkerWork(activityItem('ss-hidden', 2));
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.session_id, 's1');
    assert.equal(
      (await fetchWork(provider, asOwner('w2'))).item.id,
      2,
      'session workers also get plain items',
    );
  }),

  define('the first fetch claims the session; other owners do not get its items', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-claim', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-claim', 2, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-claim', 3));
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.id, 1);
    assert.equal((await fetchWork(provider, asOwner('w2'))).item.id, 3, 'w2 skips the session owned by w1');
    await assertNoWork(provider, asOwner('w2'), 'w2 must not get items of a session owned by w1');
    assert.equal(
      (await fetchWork(provider, asOwner('w1'))).item.id,
      2,
      'the owner gets the rest of its session',
    );
  }),

  define('affinity outlives the ack of the item that claimed the session', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-ack', 1, { session_id: 's1' }));
    const lease = await fetchWork(provider, asOwner('w1'));
    await provider.ackWorkItem(lease.lockToken, null);
    await provider.enqueueWorkerWork(activityItem('ss-ack', 2, { session_id: 's1' }));
    await assertNoWork(provider, asOwner('w2'));
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.id, 2);
  }),

  define('different sessions can be owned by different workers', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-multi', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-multi', 2, { session_id: 's2' }));
    await provider.enqueueWorkerWork(activityItem('ss-multi', 3, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-multi', 4, { session_id: 's2' }));
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.id, 1);
    assert.equal((await fetchWork(provider, asOwner('w2'))).item.id, 2);
    assert.equal((await fetchWork(provider, asOwner('w2'))).item.id, 4);
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.id, 3);
  }),

  define("a session's items reach its owner in FIFO order", async (provider) => {
    for (let id = 1; id <= 4; id++)
      await provider.enqueueWorkerWork(activityItem('ss-fifo', id, { session_id: 's1' }));
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const lease = await fetchWork(provider, asOwner('w1'));
      ids.push(lease.item.id);
      await provider.ackWorkItem(lease.lockToken, null);
    }
    assert.deepEqual(ids, [1, 2, 3, 4]);
  }),

  define('another worker takes the session over once its lease expired', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-take', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-take', 2, { session_id: 's1' }));
    await provider.ackWorkItem((await fetchWork(provider, asOwner('w1', SHORT_LEASE_MS))).lockToken, null);
    await assertNoWork(provider, asOwner('w2'));
    await sleep(EXPIRY_WAIT_MS);
    assert.equal((await fetchWork(provider, asOwner('w2'))).item.id, 2);
    await provider.enqueueWorkerWork(activityItem('ss-take', 3, { session_id: 's1' }));
    await assertNoWork(provider, asOwner('w1'), 'the session now belongs to w2');
  }),

  define('renewSessionLocks extends the sessions of active owners', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-renew', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-renew', 2, { session_id: 's1' }));
    await provider.ackWorkItem((await fetchWork(provider, asOwner('w1', SHORT_LEASE_MS))).lockToken, null);
    assert.equal(await provider.renewSessionLocks(['w1'], 5_000, 60_000), 1);
    await sleep(EXPIRY_WAIT_MS);
    await assertNoWork(provider, asOwner('w2'), 'the renewed session still belongs to w1');
    assert.equal((await fetchWork(provider, asOwner('w1'))).item.id, 2);
  }),

  define('renewSessionLocks counts only sessions of the listed owners', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-count', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-count', 2, { session_id: 's2' }));
    await provider.enqueueWorkerWork(activityItem('ss-count', 3, { session_id: 's3' }));
    await fetchWork(provider, asOwner('w1'));
    await fetchWork(provider, asOwner('w1'));
    await fetchWork(provider, asOwner('w2'));
    assert.equal(await provider.renewSessionLocks(['w1', 'w2'], 30_000, 60_000), 3);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 60_000), 2);
    assert.equal(await provider.renewSessionLocks(['nobody'], 30_000, 60_000), 0);
    assert.equal(await provider.renewSessionLocks([], 30_000, 60_000), 0);
  }),

  define('renewSessionLocks skips idle sessions', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-idle', 1, { session_id: 's1' }));
    await fetchWork(provider, asOwner('w1'));
    await sleep(100);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 50), 0);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 60_000), 1);
  }),

  define('renewSessionLocks does not revive expired sessions', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-expired', 1, { session_id: 's1' }));
    await fetchWork(provider, asOwner('w1', SHORT_LEASE_MS));
    await sleep(EXPIRY_WAIT_MS);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 60_000), 0);
  }),

  define('renewing or acking a session item counts as session activity', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-touch', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-touch', 2, { session_id: 's1' }));
    const first = await fetchWork(provider, asOwner('w1'));
    const second = await fetchWork(provider, asOwner('w1'));
    await sleep(150);
    await provider.renewWorkItemLock(first.lockToken, 30_000);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 100), 1, 'a work-item renewal is activity');
    await sleep(150);
    await provider.ackWorkItem(second.lockToken, null);
    assert.equal(await provider.renewSessionLocks(['w1'], 30_000, 100), 1, 'a work-item ack is activity');
  }),

  define('cleanup removes only expired sessions without queued work', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-clean', 1, { session_id: 'busy' }));
    await provider.enqueueWorkerWork(activityItem('ss-clean', 2, { session_id: 'busy' }));
    await provider.enqueueWorkerWork(activityItem('ss-clean', 3, { session_id: 'done' }));
    await provider.enqueueWorkerWork(activityItem('ss-clean', 4, { session_id: 'live' }));
    await provider.ackWorkItem((await fetchWork(provider, asOwner('w1', SHORT_LEASE_MS))).lockToken, null);
    await provider.ackWorkItem((await fetchWork(provider, asOwner('w2', SHORT_LEASE_MS))).lockToken, null);
    assert.equal((await fetchWork(provider, asOwner('w3', 30_000))).item.id, 4);
    assert.equal(await provider.cleanupOrphanedSessions(), 0, 'no session has expired yet');
    await sleep(EXPIRY_WAIT_MS);
    // 'busy' still has item 2 queued, 'live' is not expired: only 'done' goes.
    assert.equal(await provider.cleanupOrphanedSessions(), 1);
    assert.equal(await provider.cleanupOrphanedSessions(), 0);
  }),

  define('workers sharing an owner id share its sessions', async (provider, env) => {
    await provider.enqueueWorkerWork(activityItem('ss-shared', 1, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-shared', 2, { session_id: 's1' }));
    await provider.enqueueWorkerWork(activityItem('ss-shared', 3, { session_id: 's1' }));
    // Two processes of one host (a peer when the factory can open one) hold items of s1 at once.
    const other = env.hasPeer ? await env.openPeer() : provider;
    const first = await fetchWork(provider, asOwner('host-1'));
    const second = await fetchWork(other, asOwner('host-1'));
    assert.deepEqual([first.item.id, second.item.id], [1, 2]);
    await assertNoWork(provider, asOwner('host-2'), 'another owner must not get items of s1');
    assert.equal((await fetchWork(other, asOwner('host-1'))).item.id, 3);
  }),

  define('an abandoned session item goes back to its owner', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-abandon', 1, { session_id: 's1' }));
    const lease = await fetchWork(provider, asOwner('w1'));
    await provider.abandonWorkItem(lease.lockToken);
    await assertNoWork(provider, asOwner('w2'));
    const again = await fetchWork(provider, asOwner('w1'));
    assert.equal(again.item.id, 1);
    assert.equal(again.attemptCount, 2);
  }),

  define('an expired item lock returns the item to the session owner only', async (provider) => {
    await provider.enqueueWorkerWork(activityItem('ss-item-exp', 1, { session_id: 's1' }));
    await fetchWork(provider, asOwner('w1', 30_000), SHORT_LEASE_MS);
    await sleep(EXPIRY_WAIT_MS);
    await assertNoWork(provider, asOwner('w2'), 'the session is still owned by w1');
    const again = await fetchWork(provider, asOwner('w1'));
    assert.equal(again.item.id, 1);
    assert.equal(again.attemptCount, 2);
  }),
];
