/**
 * pruneExecutions and pruneExecutionsBulk, run against every provider.
 */
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import type { Provider } from '../../../src/core/provider.js';
import { continueAsNew, createInstance, finish, turn } from './admin-helpers.js';
import {
  ack,
  errorOf,
  externalItem,
  fetchOrchestration,
  scheduledEvent,
  startItem,
  startedEvent,
} from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  /** An instance with `executions` executions (the last one current and Running). */
  async function eternal(provider: Provider, id: string, executions: number): Promise<void> {
    await provider.enqueueOrchestratorWork(startItem(id));
    await turn(provider, id, () =>
      ack({
        historyDelta: [startedEvent(id)],
        metadata: { orchestrationName: 'Greeter' },
        kvMutations: [{ op: 'set', key: 'counter', value: '1', lastUpdatedAtMs: 1 }],
      }),
    );
    for (let from = 1; from < executions; from++) await continueAsNew(provider, id, from);
  }

  describe('pruneExecutions', () => {
    it('keeps only the current execution by default (keepLast undefined, 0 or 1)', async () => {
      const provider = await fixture.open();
      for (const [id, keepLast] of [
        ['default', undefined],
        ['zero', 0],
        ['one', 1],
      ] as const) {
        await eternal(provider, id, 5);
        const currentHistory = await provider.readHistory(id);
        const result = await provider.pruneExecutions(id, keepLast === undefined ? {} : { keepLast });
        // Each finished execution holds its started event and one more.
        expect(result).toEqual({ instancesProcessed: 1, executionsDeleted: 4, eventsDeleted: 8 });
        expect(await provider.listExecutions(id)).toEqual([5]);
        expect(await provider.readHistory(id)).toEqual(currentHistory);
        expect(await provider.readHistory(id, 2)).toEqual([]);
        // KV state is the instance's, not an execution's.
        expect(await provider.getKvAllValues(id)).toEqual({ counter: '1' });
        expect((await provider.getInstanceInfo(id))?.status).toBe('Running');
      }
    });

    it('keeps the newest keepLast executions, and only prunes those completed before the cutoff', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await eternal(provider, 'k', 5);
      expect((await provider.pruneExecutions('k', { keepLast: 3 })).executionsDeleted).toBe(2);
      expect(await provider.listExecutions('k')).toEqual([3, 4, 5]);
      expect((await provider.pruneExecutions('k', { keepLast: 10 })).executionsDeleted).toBe(0);

      await createInstance(provider, { id: 't' });
      await continueAsNew(provider, 't', 1);
      await continueAsNew(provider, 't', 2);
      clock.advanceBy(3);
      const cutoff = clock.now();
      clock.advanceBy(3);
      await continueAsNew(provider, 't', 3);
      await continueAsNew(provider, 't', 4);
      expect(
        (await provider.pruneExecutions('t', { completedBefore: cutoff, keepLast: 2 })).executionsDeleted,
      ).toBe(2);
      expect(await provider.listExecutions('t')).toEqual([3, 4, 5]);
      expect((await provider.pruneExecutions('t', { completedBefore: cutoff })).executionsDeleted).toBe(0);
      expect(
        (await provider.pruneExecutions('t', { completedBefore: clock.now() + 1000 })).executionsDeleted,
      ).toBe(2);
      expect(await provider.listExecutions('t')).toEqual([5]);
    });

    it('never prunes the current execution, even when it completed, nor a running one', async () => {
      const provider = await fixture.open();
      await eternal(provider, 'c', 4);
      await finish(provider, 'c', 'Completed', 4);
      // Execution 1 marked Running (as a stuck execution would be): never pruned.
      await fixture.execRaw(
        provider,
        "UPDATE executions SET status = 'Running' WHERE instance_id = 'c' AND execution_id = 1",
      );
      const result = await provider.pruneExecutions('c', { completedBefore: Date.now() + 60_000 });
      expect(result.executionsDeleted).toBe(2);
      expect(await provider.listExecutions('c')).toEqual([1, 4]);
      expect(await provider.getInstanceInfo('c')).toMatchObject({
        status: 'Completed',
        currentExecutionId: 4,
      });
    });

    it('is safe while a turn of the instance is in flight', async () => {
      const provider = await fixture.open();
      await eternal(provider, 'busy', 3);
      await provider.enqueueOrchestratorWork(externalItem('busy'));
      const item = await fetchOrchestration(provider);
      expect((await provider.pruneExecutions('busy', {})).executionsDeleted).toBe(2);
      await provider.ackOrchestrationItem(
        item.lockToken,
        ack({
          executionId: 3,
          historyDelta: [scheduledEvent('busy', 2, 3)],
          metadata: { orchestrationName: 'Greeter' },
        }),
      );
      expect(await provider.readHistory('busy')).toHaveLength(2);
    });

    it('rejects an unknown instance with NotFoundError and bad options with InvalidInputError', async () => {
      const provider = await fixture.open();
      const missing = await errorOf(provider.pruneExecutions('nope', {}));
      expect(isDuroxError(missing, 'NOT_FOUND')).toBe(true);
      await createInstance(provider, { id: 'x' });
      expect(
        isDuroxError(await errorOf(provider.pruneExecutions('x', { keepLast: -1 })), 'INVALID_INPUT'),
      ).toBe(true);
      expect(
        isDuroxError(
          await errorOf(provider.pruneExecutions('x', { completedBefore: Number.NaN })),
          'INVALID_INPUT',
        ),
      ).toBe(true);
    });
  });

  describe('pruneExecutionsBulk', () => {
    it('prunes instances of any status, running ones included, and progresses through the store', async () => {
      const provider = await fixture.open();
      await eternal(provider, 'running', 3);
      await eternal(provider, 'completed', 3);
      await finish(provider, 'completed', 'Completed', 3);
      await eternal(provider, 'single', 1);
      await eternal(provider, 'other', 2);

      const listed = await provider.pruneExecutionsBulk(
        { instanceIds: ['running', 'completed', 'single', 'nope'] },
        {},
      );
      expect(listed).toEqual({ instancesProcessed: 2, executionsDeleted: 4, eventsDeleted: 8 });
      expect(await provider.listExecutions('running')).toEqual([3]);
      expect(await provider.listExecutions('other')).toEqual([1, 2]);

      expect(await provider.pruneExecutionsBulk({}, {})).toEqual({
        instancesProcessed: 1,
        executionsDeleted: 1,
        eventsDeleted: 2,
      });
      expect((await provider.pruneExecutionsBulk({}, {})).instancesProcessed).toBe(0);
      expect((await provider.pruneExecutionsBulk({ instanceIds: [] }, {})).instancesProcessed).toBe(0);
    });

    it('honours limit, keepLast and completedBefore (from the filter or the options)', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      for (const id of ['a', 'b', 'c']) await eternal(provider, id, 3);
      clock.advanceBy(3);
      const cutoff = clock.now();
      clock.advanceBy(3);
      await continueAsNew(provider, 'c', 3);

      expect((await provider.pruneExecutionsBulk({}, { completedBefore: 0 })).instancesProcessed).toBe(0);
      expect((await provider.pruneExecutionsBulk({ completedBefore: 0 }, {})).instancesProcessed).toBe(0);
      expect(await provider.pruneExecutionsBulk({ limit: 2 }, { keepLast: 2 })).toMatchObject({
        instancesProcessed: 2,
        executionsDeleted: 2,
      });
      expect(await provider.listExecutions('a')).toEqual([2, 3]);
      expect(await provider.listExecutions('b')).toEqual([2, 3]);
      // c: execution 3 completed after the cutoff and stays.
      expect(await provider.pruneExecutionsBulk({ completedBefore: cutoff }, { keepLast: 1 })).toMatchObject({
        instancesProcessed: 3,
        executionsDeleted: 4,
      });
      expect(await provider.listExecutions('c')).toEqual([3, 4]);
    });
  });
});
