/**
 * The worker queue (fetch, tags, ack, renew/abandon, lock stealing, sessions), run against every
 * provider (the PostgreSQL concurrency cases stay in test/providers/postgres/worker-
 * queue.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { FetchWorkItemOptions, Provider, TagFilter } from '../../../src/core/provider.js';
import {
  activityItem,
  DEFAULT_ONLY,
  completionItem,
  fetchWork,
  isLockLost,
  startAck,
  startItem,
} from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  describe('fetchWorkItem', () => {
    it('hands out items first in, first out, each once', async () => {
      const provider = await fixture.open();
      for (const id of [1, 2, 3]) await provider.enqueueWorkerWork(activityItem('i1', id));
      const ids = [];
      for (let n = 0; n < 3; n++) ids.push((await fetchWork(provider)).item.id);
      expect(ids).toEqual([1, 2, 3]);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
    });

    it('returns the item with a unique token and attempt 1', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      await provider.enqueueWorkerWork(activityItem('i1', 2));
      const a = await fetchWork(provider);
      const b = await fetchWork(provider);
      expect(a.item).toEqual(activityItem('i1', 1));
      expect(a.attemptCount).toBe(1);
      expect(a.lockToken).not.toBe(b.lockToken);
    });

    it('re-delivers an item whose lock expired, with attempt 2, and the old lease is lost', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      const first = await fetchWork(provider, DEFAULT_ONLY, 40);
      clock.advanceBy(39);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      clock.advanceBy(2);
      const second = await fetchWork(provider);
      expect(second.attemptCount).toBe(2);
      expect(await isLockLost(provider.ackWorkItem(first.lockToken, completionItem('i1', 1)))).toBe(true);
      expect(await isLockLost(provider.renewWorkItemLock(first.lockToken, 1000))).toBe(true);
      await provider.ackWorkItem(second.lockToken, null);
    });
  });

  describe('tag filters', () => {
    async function providerWithTaggedItems(): Promise<Provider> {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      await provider.enqueueWorkerWork(activityItem('i1', 2, { tag: 'gpu' }));
      await provider.enqueueWorkerWork(activityItem('i1', 3, { tag: 'cpu' }));
      return provider;
    }

    async function drain(provider: Provider, tagFilter: TagFilter): Promise<number[]> {
      const ids = [];
      for (;;) {
        const lease = await provider.fetchWorkItem(30_000, { tagFilter });
        if (lease === null) return ids;
        ids.push(lease.item.id);
      }
    }

    it.each([
      [{ mode: 'defaultOnly' } as TagFilter, [1]],
      [{ mode: 'tags', tags: ['gpu'] } as TagFilter, [2]],
      [{ mode: 'tags', tags: ['gpu', 'cpu'] } as TagFilter, [2, 3]],
      [{ mode: 'defaultAnd', tags: ['cpu'] } as TagFilter, [1, 3]],
      [{ mode: 'any' } as TagFilter, [1, 2, 3]],
      [{ mode: 'none' } as TagFilter, []],
    ])('%j selects %j', async (tagFilter, expected) => {
      const provider = await providerWithTaggedItems();
      expect(await drain(provider, tagFilter)).toEqual(expected);
    });

    it('keeps the tag through an abandon', async () => {
      const provider = await providerWithTaggedItems();
      const lease = await fetchWork(provider, { tagFilter: { mode: 'tags', tags: ['gpu'] } });
      await provider.abandonWorkItem(lease.lockToken);
      expect(await drain(provider, { mode: 'defaultOnly' })).toEqual([1]);
      expect(await drain(provider, { mode: 'tags', tags: ['gpu'] })).toEqual([2]);
    });
  });

  describe('ackWorkItem', () => {
    it('deletes the item and enqueues the completion', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 2));
      const lease = await fetchWork(provider);
      await provider.ackWorkItem(lease.lockToken, completionItem('i1', 2));
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      const batch = await provider.fetchOrchestrationItem(1000);
      expect(batch?.messages).toEqual([completionItem('i1', 2)]);
      expect(await isLockLost(provider.ackWorkItem(lease.lockToken, null))).toBe(true);
    });

    it('drops the result when the completion is null', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 2));
      await provider.ackWorkItem((await fetchWork(provider)).lockToken, null);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('rejects malformed tokens with LockLostError', async () => {
      const provider = await fixture.open();
      expect(await isLockLost(provider.ackWorkItem('junk', null))).toBe(true);
      expect(await isLockLost(provider.renewWorkItemLock('junk', 10))).toBe(true);
      expect(await isLockLost(provider.abandonWorkItem('junk'))).toBe(true);
    });
  });

  describe('renew and abandon', () => {
    it('renewal keeps the item from being re-delivered', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      const lease = await fetchWork(provider, DEFAULT_ONLY, 300);
      await provider.renewWorkItemLock(lease.lockToken, 10_000);
      clock.advanceBy(9_999);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      await provider.ackWorkItem(lease.lockToken, null);
    });

    it('renewal fails after expiry', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      const lease = await fetchWork(provider, DEFAULT_ONLY, 30);
      clock.advanceBy(31);
      expect(await isLockLost(provider.renewWorkItemLock(lease.lockToken, 1000))).toBe(true);
    });

    it('abandon makes the item visible again after the delay', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      await provider.abandonWorkItem((await fetchWork(provider)).lockToken, 150);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      clock.advanceBy(149);
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      clock.advanceBy(1);
      expect((await fetchWork(provider)).attemptCount).toBe(2);
    });

    it('abandon with ignoreAttempt does not count the attempt, and never goes negative', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 1));
      for (let round = 0; round < 3; round++) {
        const lease = await fetchWork(provider);
        expect(lease.attemptCount).toBe(1);
        await provider.abandonWorkItem(lease.lockToken, undefined, true);
      }
      const lease = await fetchWork(provider);
      await provider.abandonWorkItem(lease.lockToken);
      expect(await isLockLost(provider.abandonWorkItem(lease.lockToken))).toBe(true);
      expect((await fetchWork(provider)).attemptCount).toBe(2);
    });
  });

  describe('cancellation (lock stealing)', () => {
    it('makes renew and ack of a running activity fail', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const turn = await provider.fetchOrchestrationItem(30_000);
      await provider.ackOrchestrationItem(
        turn!.lockToken,
        startAck('i1', { workerItems: [activityItem('i1', 2)] }),
      );
      const lease = await fetchWork(provider);
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const cancelTurn = await provider.fetchOrchestrationItem(30_000);
      await provider.ackOrchestrationItem(
        cancelTurn!.lockToken,
        startAck('i1', {
          historyDelta: [],
          cancelledActivities: [{ instanceId: 'i1', executionId: 1, activityId: 2 }],
        }),
      );
      expect(await isLockLost(provider.renewWorkItemLock(lease.lockToken, 1000))).toBe(true);
      expect(await isLockLost(provider.ackWorkItem(lease.lockToken, completionItem('i1', 2)))).toBe(true);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('ignores cancellations of activities that are gone', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const turn = await provider.fetchOrchestrationItem(30_000);
      await provider.ackOrchestrationItem(
        turn!.lockToken,
        startAck('i1', { cancelledActivities: [{ instanceId: 'i1', executionId: 1, activityId: 42 }] }),
      );
      expect(await provider.getInstanceInfo('i1')).not.toBeNull();
    });
  });

  describe('sessions', () => {
    const asOwner = (ownerId: string, lockTimeoutMs = 30_000): FetchWorkItemOptions => ({
      tagFilter: { mode: 'defaultOnly' },
      session: { ownerId, lockTimeoutMs },
    });

    it('are invisible to fetches without a session config', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      expect(await provider.fetchWorkItem(1000, DEFAULT_ONLY)).toBeNull();
      expect((await fetchWork(provider, asOwner('w1'))).item.session_id).toBe('s1');
    });

    it('route later items of a session to its owner only', async () => {
      const provider = await fixture.open();
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      await provider.enqueueWorkerWork(activityItem('i1', 2, { session_id: 's1' }));
      await provider.enqueueWorkerWork(activityItem('i1', 3));
      await provider.ackWorkItem((await fetchWork(provider, asOwner('w1'))).lockToken, null);
      // w2 sees only the session-less item; w1 gets the session item.
      expect((await fetchWork(provider, asOwner('w2'))).item.id).toBe(3);
      expect(await provider.fetchWorkItem(1000, asOwner('w2'))).toBeNull();
      expect((await fetchWork(provider, asOwner('w1'))).item.id).toBe(2);
    });

    it('can be taken over once the owner lease expired', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      await provider.enqueueWorkerWork(activityItem('i1', 2, { session_id: 's1' }));
      await provider.ackWorkItem((await fetchWork(provider, asOwner('w1', 300))).lockToken, null);
      expect(await provider.fetchWorkItem(1000, asOwner('w2'))).toBeNull();
      clock.advanceBy(299);
      expect(await provider.fetchWorkItem(1000, asOwner('w2'))).toBeNull();
      clock.advanceBy(2);
      expect((await fetchWork(provider, asOwner('w2'))).item.id).toBe(2);
    });

    it('are renewed for their owners while active, not when idle', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      await provider.enqueueWorkerWork(activityItem('i1', 2, { session_id: 's2' }));
      await fetchWork(provider, asOwner('w1', 10_000));
      await fetchWork(provider, asOwner('w2', 10_000));
      expect(await provider.renewSessionLocks(['w1', 'w2'], 10_000, 60_000)).toBe(2);
      expect(await provider.renewSessionLocks(['w1'], 10_000, 60_000)).toBe(1);
      expect(await provider.renewSessionLocks(['nobody'], 10_000, 60_000)).toBe(0);
      expect(await provider.renewSessionLocks([], 10_000, 60_000)).toBe(0);
      clock.advanceBy(30);
      expect(await provider.renewSessionLocks(['w1', 'w2'], 10_000, 10)).toBe(0);
    });

    it('are not renewed once their lease expired', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      await fetchWork(provider, asOwner('w1', 30));
      clock.advanceBy(31);
      expect(await provider.renewSessionLocks(['w1'], 10_000, 60_000)).toBe(0);
    });

    it('activity on a session item counts as session activity', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      const lease = await fetchWork(provider, asOwner('w1', 10_000));
      clock.advanceBy(400);
      await provider.renewWorkItemLock(lease.lockToken, 10_000);
      expect(await provider.renewSessionLocks(['w1'], 10_000, 300)).toBe(1);
    });

    it('orphaned sessions are cleaned up only when expired and without work', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueWorkerWork(activityItem('i1', 1, { session_id: 's1' }));
      await provider.enqueueWorkerWork(activityItem('i1', 2, { session_id: 's1' }));
      const lease = await fetchWork(provider, asOwner('w1', 300));
      await provider.ackWorkItem(lease.lockToken, null);
      expect(await provider.cleanupOrphanedSessions()).toBe(0);
      clock.advanceBy(301);
      expect(await provider.cleanupOrphanedSessions()).toBe(0);
      await provider.ackWorkItem((await fetchWork(provider, asOwner('w2', 30))).lockToken, null);
      clock.advanceBy(31);
      expect(await provider.cleanupOrphanedSessions()).toBe(1);
    });
  });
});
