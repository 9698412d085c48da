/**
 * deleteInstances and deleteInstanceBulk (cascades, in-flight turns, waiters, limits), run
 * against every provider.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDuroxError, type DuroxError } from '../../../src/core/errors.js';
import type { Provider } from '../../../src/core/provider.js';
import { continueAsNew, createInstance, creatingAck, finish, seedInstances, turn } from './admin-helpers.js';
import {
  ack,
  activityItem,
  errorOf,
  externalItem,
  fetchOrchestration,
  isLockLost,
  scheduledEvent,
  startedEvent,
  startItem,
} from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Everything stored for an instance, for "nothing left" and "nothing changed" checks. */
  async function footprint(provider: Provider, id: string): Promise<unknown> {
    return {
      info: await provider.getInstanceInfo(id),
      history: (await provider.readHistory(id)).length,
      executions: await provider.listExecutions(id),
      kv: await provider.getKvAllValues(id),
    };
  }

  /** A running instance with a queued message, a queued activity and a KV value. */
  async function busyInstance(provider: Provider, id: string, parent?: string): Promise<void> {
    await provider.enqueueOrchestratorWork(startItem(id));
    await turn(provider, id, () => ({
      ...creatingAck({ id, ...(parent === undefined ? {} : { parent }) }),
      historyDelta: [startedEvent(id), scheduledEvent(id, 2)],
      workerItems: [activityItem(id, 2)],
      kvMutations: [{ op: 'set', key: 'k', value: 'v', lastUpdatedAtMs: 1 }],
    }));
    await provider.enqueueOrchestratorWork(externalItem(id));
  }

  describe('deleteInstances', () => {
    it('deletes a terminal instance with everything stored for it, and counts it', async () => {
      const provider = await fixture.open();
      await busyInstance(provider, 'done');
      await finish(provider, 'done', 'Completed'); // consumes the queued message
      await provider.enqueueOrchestratorWork(externalItem('done'));
      const result = await provider.deleteInstances(['done', 'never-existed'], false);
      // History: started + scheduled; queue: the late message and the activity.
      expect(result).toEqual({
        instancesDeleted: 1,
        executionsDeleted: 1,
        eventsDeleted: 2,
        queueMessagesDeleted: 2,
      });
      expect(await footprint(provider, 'done')).toEqual({ info: null, history: 0, executions: [], kv: {} });
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 0,
        workerQueue: 0,
        timerQueue: 0,
      });
      expect(await provider.deleteInstances([], false)).toEqual({
        instancesDeleted: 0,
        executionsDeleted: 0,
        eventsDeleted: 0,
        queueMessagesDeleted: 0,
      });
    });

    it('rejects running instances without force, deleting nothing; force deletes them', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'finished', status: 'Completed' });
      await busyInstance(provider, 'running');
      const before = await footprint(provider, 'running');
      const err = await errorOf(provider.deleteInstances(['finished', 'running'], false));
      expect(isDuroxError(err, 'INSTANCE_STILL_RUNNING')).toBe(true);
      expect((err as DuroxError).instanceId).toBe('running');
      expect((err as Error).message).toContain('running');
      expect(await footprint(provider, 'running')).toEqual(before);
      expect(await provider.getInstanceInfo('finished')).not.toBeNull();

      const result = await provider.deleteInstances(['finished', 'running'], true);
      expect(result).toMatchObject({ instancesDeleted: 2, executionsDeleted: 2, queueMessagesDeleted: 2 });
      expect(await footprint(provider, 'running')).toEqual({
        info: null,
        history: 0,
        executions: [],
        kv: {},
      });
      expect(await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } })).toBeNull();
    });

    it('treats an instance awaiting its next continue-as-new execution as running', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'can' });
      await continueAsNew(provider, 'can', 1, { start: false });
      expect(
        isDuroxError(await errorOf(provider.deleteInstances(['can'], false)), 'INSTANCE_STILL_RUNNING'),
      ).toBe(true);
      expect((await provider.deleteInstances(['can'], true)).queueMessagesDeleted).toBe(1);
    });

    it('deletes a whole tree when every member is listed, and detects unlisted children', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'root', status: 'Completed' });
      await createInstance(provider, { id: 'child', parent: 'root', status: 'Completed' });
      await createInstance(provider, { id: 'grandchild', parent: 'child', status: 'Failed' });

      const orphan = await errorOf(provider.deleteInstances(['root', 'child'], true));
      expect(isDuroxError(orphan, 'INVALID_INPUT')).toBe(true);
      expect((orphan as Error).message).toContain('child grandchild of child was created meanwhile');
      expect(await provider.getInstanceInfo('root')).not.toBeNull();

      const result = await provider.deleteInstances(['grandchild', 'root', 'child', 'root'], false);
      expect(result).toEqual({
        instancesDeleted: 3,
        executionsDeleted: 3,
        eventsDeleted: 3,
        queueMessagesDeleted: 0,
      });
      expect(await provider.countInstances()).toBe(0);
    });

    it('lets the id be used again, without serving the old history from the cache', async () => {
      // Frozen clock: the new incarnation gets the same created_at as the old one, so only the
      // explicit invalidation on delete keeps the fetch from reusing a cached history (SQLite
      // caches histories by instance and created_at).
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_700_000_000_000);
      const provider = await fixture.open();
      await createInstance(provider, { id: 'reused', extraEvents: 2, status: 'Completed' });
      await provider.enqueueOrchestratorWork(externalItem('reused'));
      expect((await fetchOrchestration(provider)).history).toHaveLength(3); // now cached
      await provider.deleteInstances(['reused'], true);

      await createInstance(provider, { id: 'reused', name: 'Again' });
      await provider.enqueueOrchestratorWork(externalItem('reused'));
      const item = await fetchOrchestration(provider);
      expect(item.orchestrationName).toBe('Again');
      expect(item.history).toEqual([startedEvent('reused')]);
      await provider.ackOrchestrationItem(
        item.lockToken,
        ack({ historyDelta: [scheduledEvent('reused', 2)] }),
      );
      expect(await provider.readHistory('reused')).toHaveLength(2);
    });

    it('makes the ack of an in-flight turn fail with LockLostError and recreate nothing', async () => {
      const provider = await fixture.open();
      // An existing instance mid-turn, and a new instance whose first turn is in flight.
      await createInstance(provider, { id: 'old' });
      await provider.enqueueOrchestratorWork(externalItem('old'));
      const oldTurn = await fetchOrchestration(provider);
      await provider.enqueueOrchestratorWork(startItem('new'));
      const newTurn = await fetchOrchestration(provider);
      expect(newTurn.instanceId).toBe('new');

      const result = await provider.deleteInstances(['old', 'new'], true);
      expect(result).toMatchObject({ instancesDeleted: 1, queueMessagesDeleted: 2 });

      const fullAck = (id: string): ReturnType<typeof creatingAck> => ({
        ...creatingAck({ id, status: 'Completed' }),
        workerItems: [activityItem(id, 2)],
        orchestratorItems: [{ item: externalItem(id) }],
        kvMutations: [{ op: 'set', key: 'k', value: 'v', lastUpdatedAtMs: 1 }],
      });
      expect(await isLockLost(provider.ackOrchestrationItem(oldTurn.lockToken, fullAck('old')))).toBe(true);
      expect(await isLockLost(provider.ackOrchestrationItem(newTurn.lockToken, fullAck('new')))).toBe(true);
      for (const id of ['old', 'new']) {
        expect(await footprint(provider, id)).toEqual({ info: null, history: 0, executions: [], kv: {} });
      }
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 0,
        workerQueue: 0,
        timerQueue: 0,
      });
      expect(await provider.countInstances()).toBe(0);
    });

    it('wakes waiters on a deleted instance', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'watched', status: 'Completed' });
      const started = Date.now();
      const waiting = provider.waitForInstanceChange('watched', 10_000);
      await provider.deleteInstances(['watched'], false);
      await waiting;
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('deleteInstanceBulk', () => {
    it('deletes only terminal roots, each with its descendants', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'completed', status: 'Completed' });
      await createInstance(provider, { id: 'completed::child', parent: 'completed', status: 'Completed' });
      // A descendant still running is deleted with its terminal root.
      await createInstance(provider, { id: 'completed::child::grandchild', parent: 'completed::child' });
      await createInstance(provider, { id: 'failed', status: 'Failed' });
      await createInstance(provider, { id: 'running' });
      await createInstance(provider, { id: 'running::child', parent: 'running', status: 'Completed' });
      await createInstance(provider, { id: 'continuing' });
      await continueAsNew(provider, 'continuing', 1, { start: false });

      const result = await provider.deleteInstanceBulk({});
      expect(result).toEqual({
        instancesDeleted: 4,
        executionsDeleted: 4,
        eventsDeleted: 4,
        queueMessagesDeleted: 0,
      });
      const left = (await provider.listInstances({ orderBy: 'instanceId', descending: false })).map(
        (i) => i.instanceId,
      );
      expect(left).toEqual(['continuing', 'running', 'running::child']);
      // Sub-orchestrations are never roots, even when named.
      expect((await provider.deleteInstanceBulk({ instanceIds: ['running::child'] })).instancesDeleted).toBe(
        0,
      );
    });

    it('applies instanceIds, completedBefore and limit together, oldest first', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        await createInstance(provider, { id, status: 'Completed' });
        clock.advanceBy(3);
      }
      const cutoff = clock.now();
      await createInstance(provider, { id: 'late' });
      clock.advanceBy(3);
      await finish(provider, 'late', 'Completed');

      expect((await provider.deleteInstanceBulk({ instanceIds: [] })).instancesDeleted).toBe(0);
      expect((await provider.deleteInstanceBulk({ limit: 0 })).instancesDeleted).toBe(0);
      expect(
        (await provider.deleteInstanceBulk({ instanceIds: ['b', 'late', 'nope'] })).instancesDeleted,
      ).toBe(2);
      expect(
        (await provider.deleteInstanceBulk({ completedBefore: cutoff, limit: 2 })).instancesDeleted,
      ).toBe(2);
      const ids = async (): Promise<string[]> =>
        (await provider.listInstances({ orderBy: 'instanceId', descending: false })).map((i) => i.instanceId);
      expect(await ids()).toEqual(['d', 'e']);
      expect((await provider.deleteInstanceBulk({ completedBefore: 0 })).instancesDeleted).toBe(0);
      expect(
        (await provider.deleteInstanceBulk({ instanceIds: ['e'], completedBefore: cutoff })).instancesDeleted,
      ).toBe(1);
      expect(await ids()).toEqual(['d']);
      expect(isDuroxError(await errorOf(provider.deleteInstanceBulk({ limit: -1 })), 'INVALID_INPUT')).toBe(
        true,
      );
    });

    it('defaults to 1000 roots per call', async () => {
      const provider = await fixture.open();
      await seedInstances(
        provider,
        Array.from({ length: 1005 }, (_, i) => ({ id: `bulk-${i}`, status: 'Failed' as const })),
      );
      expect((await provider.deleteInstanceBulk({})).instancesDeleted).toBe(1000);
      expect(await provider.countInstances()).toBe(5);
    });
  });
});
