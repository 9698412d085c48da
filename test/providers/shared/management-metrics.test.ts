/**
 * Queue depths, instance and system metrics, run against every provider.
 */
import { describe, expect, it } from 'vitest';
import { continueAsNew, createInstance, turn } from './admin-helpers.js';
import {
  ack,
  activityItem,
  externalEvent,
  externalItem,
  fetchOrchestration,
  fetchWork,
  startItem,
  startedEvent,
} from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  describe('getSystemMetrics', () => {
    it('counts instances by current status, executions and events', async () => {
      const provider = await fixture.open();
      expect(await provider.getSystemMetrics()).toEqual({
        totalInstances: 0,
        totalExecutions: 0,
        runningInstances: 0,
        completedInstances: 0,
        failedInstances: 0,
        totalEvents: 0,
      });
      await createInstance(provider, { id: 'running', extraEvents: 1 });
      await createInstance(provider, { id: 'completed', status: 'Completed' });
      await createInstance(provider, { id: 'failed', status: 'Failed' });
      await createInstance(provider, { id: 'continued' });
      await continueAsNew(provider, 'continued', 1);
      await createInstance(provider, { id: 'awaiting-next' });
      await continueAsNew(provider, 'awaiting-next', 1, { start: false });
      expect(await provider.getSystemMetrics()).toEqual({
        totalInstances: 5,
        totalExecutions: 6,
        // Running, or ContinuedAsNew with the next execution queued.
        runningInstances: 3,
        completedInstances: 1,
        failedInstances: 1,
        // 2 + 1 + 1 + (2 + 1) + 2
        totalEvents: 9,
      });
    });
  });

  describe('getQueueDepths', () => {
    it('counts ready, delayed and leased messages apart', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(startItem('a'));
      await provider.enqueueOrchestratorWork(startItem('b'));
      await provider.enqueueOrchestratorWork(externalItem('b'));
      await provider.enqueueOrchestratorWork(externalItem('c'), 60_000);
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 3,
        workerQueue: 0,
        timerQueue: 1,
      });

      // Leasing `a` takes its message out, and so does a message arriving for it meanwhile.
      const turnA = await fetchOrchestration(provider);
      expect(turnA.instanceId).toBe('a');
      await provider.enqueueOrchestratorWork(externalItem('a'));
      expect(await provider.getQueueDepths()).toMatchObject({ orchestratorQueue: 2 });

      // The ack releases the lease (the late message is ready again), enqueues a timer and work.
      await provider.ackOrchestrationItem(turnA.lockToken, {
        ...ack({ historyDelta: [startedEvent('a')], metadata: { orchestrationName: 'Greeter' } }),
        orchestratorItems: [
          {
            item: { type: 'TimerFired', instance: 'a', execution_id: 1, id: 2, fire_at_ms: 0 },
            visibleAtMs: clock.now() + 60_000,
          },
        ],
        workerItems: [activityItem('a', 3), activityItem('a', 4)],
      });
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 3,
        workerQueue: 2,
        timerQueue: 2,
      });

      // A locked activity is not ready until its lock expires; an expired orchestration lease
      // makes its messages ready again.
      await fetchWork(provider, { tagFilter: { mode: 'defaultOnly' } }, 50);
      const turnB = await fetchOrchestration(provider, 50);
      expect(turnB.instanceId).toBe('b');
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 1,
        workerQueue: 1,
        timerQueue: 2,
      });
      clock.advanceBy(51);
      expect(await provider.getQueueDepths()).toEqual({
        orchestratorQueue: 3,
        workerQueue: 2,
        timerQueue: 2,
      });
    });
  });

  describe('getInstanceStats', () => {
    it('describes the current execution, carried messages and the live KV view', async () => {
      const provider = await fixture.open();
      expect(await provider.getInstanceStats('nope')).toBeNull();

      await provider.enqueueOrchestratorWork(startItem('s'));
      await turn(provider, 's', () =>
        ack({
          historyDelta: [startedEvent('s'), externalEvent('s', 2, '"old"')],
          metadata: { orchestrationName: 'Greeter' },
          kvMutations: [
            { op: 'set', key: 'a', value: 'xy', lastUpdatedAtMs: 1 },
            { op: 'set', key: 'b', value: 'é', lastUpdatedAtMs: 1 },
          ],
        }),
      );
      // Execution 2 starts with 3 carried messages; its turn clears `a` and sets `c` (in the delta).
      await continueAsNew(provider, 's', 1, { carried: 3 });
      await provider.enqueueOrchestratorWork(externalItem('s'));
      await turn(provider, 's', () =>
        ack({
          executionId: 2,
          historyDelta: [externalEvent('s', 2, '"héllo wörld"', 2)],
          kvMutations: [
            { op: 'clear', key: 'a' },
            { op: 'set', key: 'c', value: '123', lastUpdatedAtMs: 2 },
          ],
        }),
      );

      const history = await provider.readHistory('s');
      expect(history).toHaveLength(2);
      const bytes = history.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event)), 0);
      expect(await provider.getInstanceStats('s')).toEqual({
        historyEventCount: 2,
        historySizeBytes: bytes,
        queuePendingCount: 3,
        kvUserKeyCount: 2,
        // 'é' is 2 bytes in UTF-8, '123' is 3.
        kvTotalValueBytes: 5,
      });
      expect(bytes).toBeGreaterThan(JSON.stringify(history).length - 3); // non-ASCII counted as bytes

      await createInstance(provider, { id: 'plain' });
      expect(await provider.getInstanceStats('plain')).toMatchObject({
        historyEventCount: 1,
        queuePendingCount: 0,
        kvUserKeyCount: 0,
        kvTotalValueBytes: 0,
      });
    });
  });
});
