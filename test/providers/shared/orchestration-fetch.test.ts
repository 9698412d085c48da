/**
 * fetchOrchestrationItem, attempt counts, abandon and lock renewal, run against every provider
 * (lease-timing cases that differ per provider, and PostgreSQL's concurrent fetchers, stay in the
 * per-provider orchestration-fetch files).
 */
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import { errorOf, externalItem, fetchOrchestration, startAck, startItem, startedEvent } from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  describe('fetchOrchestrationItem', () => {
    it('returns null when there is no work', async () => {
      const provider = await fixture.open();
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('returns a new instance with identity from the start message', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1', 'Greeter', '2.0.0'));
      const item = await fetchOrchestration(provider);
      expect(item).toMatchObject({
        instanceId: 'i1',
        orchestrationName: 'Greeter',
        orchestrationVersion: '2.0.0',
        executionId: 1,
        history: [],
        attemptCount: 1,
        kvSnapshot: {},
      });
      expect(item.messages).toEqual([startItem('i1', 'Greeter', '2.0.0')]);
      expect(item.historyError).toBeUndefined();
    });

    it("names an instance without row or start message 'unknown'", async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(externalItem('orphan'));
      const item = await fetchOrchestration(provider);
      expect(item.orchestrationName).toBe('unknown');
      expect(item.orchestrationVersion).toBeNull();
    });

    it('never creates the instance on enqueue or fetch', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      expect(await provider.getInstanceInfo('i1')).toBeNull();
      await fetchOrchestration(provider);
      expect(await provider.getInstanceInfo('i1')).toBeNull();
    });

    it('batches every visible message of the instance, in enqueue order', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      await provider.enqueueOrchestratorWork(externalItem('other'));
      await provider.enqueueOrchestratorWork(externalItem('i1', '"a"'));
      await provider.enqueueOrchestratorWork(externalItem('i1', '"b"'));
      const item = await fetchOrchestration(provider);
      expect(item.instanceId).toBe('i1');
      expect(item.messages).toEqual([startItem('i1'), externalItem('i1', '"a"'), externalItem('i1', '"b"')]);
    });

    it('locks per instance: other instances stay available, the locked one does not', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('a'));
      await provider.enqueueOrchestratorWork(startItem('b'));
      const first = await fetchOrchestration(provider);
      const second = await fetchOrchestration(provider);
      expect([first.instanceId, second.instanceId]).toEqual(['a', 'b']);
      expect(first.lockToken).not.toBe(second.lockToken);
      await provider.enqueueOrchestratorWork(externalItem('a'));
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('keeps messages that arrive during the lock for the next fetch', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const first = await fetchOrchestration(provider);
      await provider.enqueueOrchestratorWork(externalItem('i1', '"late"'));
      await provider.ackOrchestrationItem(first.lockToken, startAck('i1'));
      const next = await fetchOrchestration(provider);
      expect(next.messages).toEqual([externalItem('i1', '"late"')]);
      expect(next.history).toEqual([startedEvent('i1')]);
      expect(next.attemptCount).toBe(1);
    });

    it('skips messages that are not visible yet', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(externalItem('i1'), 150);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(149);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(1);
      expect((await fetchOrchestration(provider)).messages).toHaveLength(1);
    });
  });

  describe('attempt counts', () => {
    it('start at 1 and grow on re-fetch after abandon', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const first = await fetchOrchestration(provider);
      expect(first.attemptCount).toBe(1);
      await provider.abandonOrchestrationItem(first.lockToken);
      const second = await fetchOrchestration(provider);
      expect(second.attemptCount).toBe(2);
    });

    it('are not counted when abandoned with ignoreAttempt, and never go negative', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      for (let round = 0; round < 3; round++) {
        const item = await fetchOrchestration(provider);
        expect(item.attemptCount).toBe(1);
        await provider.abandonOrchestrationItem(item.lockToken, undefined, true);
      }
    });

    it('report the maximum across the batch', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      await provider.abandonOrchestrationItem((await fetchOrchestration(provider)).lockToken);
      await provider.abandonOrchestrationItem((await fetchOrchestration(provider)).lockToken);
      await provider.enqueueOrchestratorWork(externalItem('i1'));
      const item = await fetchOrchestration(provider);
      expect(item.messages).toHaveLength(2);
      expect(item.attemptCount).toBe(3);
    });
  });

  describe('abandonOrchestrationItem', () => {
    it('releases the lease and delays the messages', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.abandonOrchestrationItem(item.lockToken, 150);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(149);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(1);
      expect((await fetchOrchestration(provider)).instanceId).toBe('i1');
    });

    it('rejects unknown and already released tokens with LockLostError', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.abandonOrchestrationItem(item.lockToken);
      expect(
        isDuroxError(await errorOf(provider.abandonOrchestrationItem(item.lockToken)), 'LOCK_LOST'),
      ).toBe(true);
      expect(isDuroxError(await errorOf(provider.abandonOrchestrationItem('garbage')), 'LOCK_LOST')).toBe(
        true,
      );
    });
  });

  describe('renewOrchestrationItemLock', () => {
    it('fails with LockLostError once the lease expired or for unknown tokens', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider, 30);
      clock.advanceBy(31);
      expect(
        isDuroxError(await errorOf(provider.renewOrchestrationItemLock(item.lockToken, 1000)), 'LOCK_LOST'),
      ).toBe(true);
      expect(
        isDuroxError(await errorOf(provider.renewOrchestrationItemLock('nope', 1000)), 'LOCK_LOST'),
      ).toBe(true);
    });
  });
});
