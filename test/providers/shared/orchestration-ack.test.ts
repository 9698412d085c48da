/**
 * ackOrchestrationItem, custom status and worker completions, run against every provider (the
 * PostgreSQL-only payload cases stay in test/providers/postgres/orchestration-ack.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { isDuroxError, type ProviderError } from '../../../src/core/errors.js';
import {
  ack,
  activityItem,
  completionItem,
  errorOf,
  externalItem,
  fetchOrchestration,
  scheduledEvent,
  startAck,
  startItem,
  startedEvent,
} from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  describe('ackOrchestrationItem', () => {
    it('creates the instance and execution from metadata and appends history', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      const before = Date.now();
      await provider.ackOrchestrationItem(
        item.lockToken,
        startAck('i1', {
          metadata: { orchestrationName: 'Greeter', orchestrationVersion: '1.0.0', parentInstanceId: 'p' },
        }),
      );
      const info = await provider.getInstanceInfo('i1');
      expect(info).toMatchObject({
        instanceId: 'i1',
        orchestrationName: 'Greeter',
        orchestrationVersion: '1.0.0',
        currentExecutionId: 1,
        status: 'Running',
        output: null,
        parentInstanceId: 'p',
        customStatus: null,
        customStatusVersion: 0,
      });
      expect(info?.createdAt).toBeGreaterThanOrEqual(before);
      expect(await provider.readHistory('i1')).toEqual([startedEvent('i1')]);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('does not create an instance without metadata (dropping orphans)', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(externalItem('orphan'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(item.lockToken, ack());
      expect(await provider.getInstanceInfo('orphan')).toBeNull();
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    });

    it('keeps the first parent id and a stored version when a later ack omits it', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('c'));
      const first = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        first.lockToken,
        startAck('c', {
          metadata: { orchestrationName: 'Child', orchestrationVersion: '1.0.0', parentInstanceId: 'p1' },
        }),
      );
      await provider.enqueueOrchestratorWork(externalItem('c'));
      const second = await fetchOrchestration(provider);
      expect(second.orchestrationName).toBe('Child');
      await provider.ackOrchestrationItem(
        second.lockToken,
        ack({ metadata: { orchestrationName: 'Child', parentInstanceId: 'p2' } }),
      );
      expect(await provider.getInstanceInfo('c')).toMatchObject({
        parentInstanceId: 'p1',
        orchestrationVersion: '1.0.0',
      });
    });

    it('records terminal status and output', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        item.lockToken,
        startAck('i1', {
          metadata: {
            orchestrationName: 'Greeter',
            orchestrationVersion: '1.0.0',
            status: 'Completed',
            output: '"ok"',
          },
        }),
      );
      expect(await provider.getInstanceInfo('i1')).toMatchObject({ status: 'Completed', output: '"ok"' });
    });

    it('moves to a new execution on continue-as-new and keeps old histories readable', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const first = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        first.lockToken,
        startAck('i1', {
          metadata: { orchestrationName: 'Greeter', status: 'ContinuedAsNew', output: '"next"' },
          orchestratorItems: [
            {
              item: {
                type: 'ContinueAsNew',
                instance: 'i1',
                orchestration: 'Greeter',
                input: '"next"',
                carry_forward_events: [],
              },
            },
          ],
        }),
      );
      const second = await fetchOrchestration(provider);
      expect(second.executionId).toBe(1);
      expect(second.messages[0]?.type).toBe('ContinueAsNew');
      await provider.ackOrchestrationItem(
        second.lockToken,
        ack({
          executionId: 2,
          historyDelta: [startedEvent('i1', 1, 2)],
          metadata: { orchestrationName: 'Greeter' },
        }),
      );
      const info = await provider.getInstanceInfo('i1');
      expect(info).toMatchObject({ currentExecutionId: 2, status: 'Running', output: null });
      expect(await provider.readHistory('i1')).toEqual([startedEvent('i1', 1, 2)]);
      expect(await provider.readHistory('i1', 1)).toEqual([startedEvent('i1')]);
      expect(await provider.readHistory('nobody')).toEqual([]);
      await provider.enqueueOrchestratorWork(externalItem('i1'));
      expect((await fetchOrchestration(provider)).executionId).toBe(2);
    });

    it('deletes only the messages tagged at fetch', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.enqueueOrchestratorWork(externalItem('i1', '"during"'));
      await provider.ackOrchestrationItem(item.lockToken, startAck('i1'));
      expect((await fetchOrchestration(provider)).messages).toEqual([externalItem('i1', '"during"')]);
    });

    it('enqueues orchestrator items for other instances and delayed timers', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(startItem('parent'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        item.lockToken,
        startAck('parent', {
          orchestratorItems: [
            { item: startItem('child') },
            {
              item: { type: 'TimerFired', instance: 'parent', execution_id: 1, id: 2, fire_at_ms: 0 },
              visibleAtMs: clock.now() + 150,
            },
          ],
        }),
      );
      const child = await fetchOrchestration(provider);
      expect(child.instanceId).toBe('child');
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(149);
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      clock.advanceBy(1);
      expect((await fetchOrchestration(provider)).messages[0]?.type).toBe('TimerFired');
    });

    it('fails with LockLostError after the lease expired and writes nothing', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider, 30);
      clock.advanceBy(31);
      const error = await errorOf(
        provider.ackOrchestrationItem(
          item.lockToken,
          startAck('i1', { workerItems: [activityItem('i1', 2)] }),
        ),
      );
      expect(isDuroxError(error, 'LOCK_LOST')).toBe(true);
      expect(await provider.getInstanceInfo('i1')).toBeNull();
      expect(await provider.readHistory('i1')).toEqual([]);
      expect(await provider.fetchWorkItem(1000, { tagFilter: { mode: 'any' } })).toBeNull();
      const again = await fetchOrchestration(provider);
      expect(again.messages).toEqual([startItem('i1')]);
      expect(again.attemptCount).toBe(2);
    });

    it('fails with LockLostError for a token that was already used', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(item.lockToken, startAck('i1'));
      expect(
        isDuroxError(await errorOf(provider.ackOrchestrationItem(item.lockToken, ack())), 'LOCK_LOST'),
      ).toBe(true);
      expect(
        isDuroxError(await errorOf(provider.ackOrchestrationItem('not-a-token', ack())), 'LOCK_LOST'),
      ).toBe(true);
    });

    it('rolls back the whole ack on a duplicate event id', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      await provider.ackOrchestrationItem((await fetchOrchestration(provider)).lockToken, startAck('i1'));
      await provider.enqueueOrchestratorWork(externalItem('i1'));
      const item = await fetchOrchestration(provider);
      const error = await errorOf(
        provider.ackOrchestrationItem(
          item.lockToken,
          ack({
            historyDelta: [scheduledEvent('i1', 2), startedEvent('i1', 1)],
            workerItems: [activityItem('i1', 2)],
            orchestratorItems: [{ item: startItem('child') }],
            customStatus: { status: 'changed' },
            metadata: { orchestrationName: 'Greeter', status: 'Completed', output: '"x"' },
          }),
        ),
      );
      expect(isDuroxError(error, 'PROVIDER')).toBe(true);
      expect((error as ProviderError).retryable).toBe(false);
      expect(await provider.readHistory('i1')).toEqual([startedEvent('i1')]);
      expect(await provider.getInstanceInfo('i1')).toMatchObject({
        status: 'Running',
        customStatusVersion: 0,
      });
      expect(await provider.fetchWorkItem(1000, { tagFilter: { mode: 'any' } })).toBeNull();
      // The lease is still held: the child start was not enqueued and the batch can be abandoned.
      expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
      await provider.abandonOrchestrationItem(item.lockToken);
      expect((await fetchOrchestration(provider)).messages).toEqual([externalItem('i1')]);
    });

    it('withdraws an activity scheduled and cancelled in the same ack', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        item.lockToken,
        startAck('i1', {
          workerItems: [activityItem('i1', 2), activityItem('i1', 3)],
          cancelledActivities: [{ instanceId: 'i1', executionId: 1, activityId: 2 }],
        }),
      );
      const lease = await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } });
      expect(lease?.item.id).toBe(3);
      expect(await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } })).toBeNull();
    });
  });

  describe('custom status', () => {
    it('sets, keeps, clears and bumps the version each time it is written', async () => {
      const provider = await fixture.open();
      const turn = async (customStatus?: { status: string | null }): Promise<void> => {
        await provider.enqueueOrchestratorWork(externalItem('i1'));
        const item = await fetchOrchestration(provider);
        await provider.ackOrchestrationItem(
          item.lockToken,
          startAck('i1', { historyDelta: [], customStatus }),
        );
      };
      await turn();
      expect(await provider.getInstanceInfo('i1')).toMatchObject({
        customStatus: null,
        customStatusVersion: 0,
      });
      await turn({ status: 'step 1' });
      expect(await provider.getInstanceInfo('i1')).toMatchObject({
        customStatus: 'step 1',
        customStatusVersion: 1,
      });
      await turn();
      expect(await provider.getInstanceInfo('i1')).toMatchObject({
        customStatus: 'step 1',
        customStatusVersion: 1,
      });
      await turn({ status: 'step 2' });
      await turn({ status: null });
      expect(await provider.getInstanceInfo('i1')).toMatchObject({
        customStatus: null,
        customStatusVersion: 3,
      });
    });
  });

  describe('completions from workers', () => {
    it('reach the orchestrator queue of their instance', async () => {
      const provider = await fixture.open();
      await provider.enqueueOrchestratorWork(startItem('i1'));
      const item = await fetchOrchestration(provider);
      await provider.ackOrchestrationItem(
        item.lockToken,
        startAck('i1', {
          historyDelta: [startedEvent('i1'), scheduledEvent('i1', 2)],
          workerItems: [activityItem('i1', 2)],
        }),
      );
      const work = await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } });
      await provider.ackWorkItem(work!.lockToken, completionItem('i1', 2));
      const next = await fetchOrchestration(provider);
      expect(next.messages).toEqual([completionItem('i1', 2)]);
      expect(next.history.map((event) => event.type)).toEqual(['OrchestrationStarted', 'ActivityScheduled']);
    });
  });
});
