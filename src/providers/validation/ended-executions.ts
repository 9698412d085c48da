/**
 * An execution that ends takes its pending messages with it: the ack that records Completed,
 * Failed or ContinuedAsNew removes the fired timers and completions still queued for that
 * execution (a timer that lost a race must not wait out its due time in the queue), and keeps
 * everything addressed to the instance as a whole and everything of other executions.
 */
import assert from 'node:assert/strict';
import type { OrchestratorWorkItem } from '../../core/history.js';
import type { OrchestrationAck, OrchestrationItem, Provider } from '../../core/provider.js';
import {
  completedEvent,
  completionItem,
  continueAsNewItem,
  continuedAsNewEvent,
  createInstance,
  emptyAck,
  externalItem,
  failedEvent,
  FAILURE,
  fetchBatch,
  nextEventId,
  queueItem,
  runTurn,
  startedEvent,
  timerItem,
  turnMetadata,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('queue-semantics');

const HOUR_MS = 3_600_000;

/** Runs a turn that schedules a timer due in an hour (event 2) for the current execution. */
async function scheduleLongTimer(provider: Provider, instanceId: string, eventId = 2): Promise<void> {
  await runTurn(provider, instanceId, (item) => ({
    orchestratorItems: [
      {
        item: timerItem(instanceId, eventId, Date.now() + HOUR_MS, item.executionId),
        visibleAtMs: Date.now() + HOUR_MS,
      },
    ],
  }));
}

/**
 * Fetches a turn, lets `arrive` enqueue messages while the lease is held (they land after the
 * fetch, as real completions do), then acks what `end` builds.
 */
async function endTurn(
  provider: Provider,
  instanceId: string,
  arrive: OrchestratorWorkItem[],
  end: (item: OrchestrationItem) => Partial<OrchestrationAck>,
): Promise<void> {
  await provider.enqueueOrchestratorWork(externalItem(instanceId));
  const item = await fetchBatch(provider, instanceId);
  for (const message of arrive) await provider.enqueueOrchestratorWork(message);
  await provider.ackOrchestrationItem(
    item.lockToken,
    emptyAck({ executionId: item.executionId, metadata: turnMetadata(item), ...end(item) }),
  );
}

async function timerDepth(provider: Provider): Promise<number> {
  return (await provider.getQueueDepths()).timerQueue;
}

export const endedExecutionCases: readonly ValidationCase[] = [
  define(
    'a completing execution removes its pending timers and completions, nothing else',
    async (provider) => {
      await createInstance(provider, 'ee-done');
      await scheduleLongTimer(provider, 'ee-done');
      // Another instance's timer is none of this ack's business.
      await provider.enqueueOrchestratorWork(timerItem('ee-other', 2, Date.now() + HOUR_MS), HOUR_MS);
      assert.equal(await timerDepth(provider), 2, 'both timers wait in the queue');

      await endTurn(
        provider,
        'ee-done',
        [
          completionItem('ee-done', 3, '"late"'),
          queueItem('ee-done'),
          externalItem('ee-done', '"after"', 'late'),
        ],
        (item) => ({
          historyDelta: [completedEvent('ee-done', nextEventId(item))],
          metadata: turnMetadata(item, { status: 'Completed', output: '"done"' }),
        }),
      );

      assert.equal(await timerDepth(provider), 1, "the ended execution's timer is gone, the other stays");
      // Messages for the instance as a whole stay; the late completion for execution 1 is gone.
      const next = await fetchBatch(provider, 'ee-done');
      assert.deepEqual(
        next.messages.map((m) => m.type),
        ['QueueMessage', 'ExternalRaised'],
        'only instance-level messages remain',
      );
    },
  ),

  define('a failing execution removes its pending timers', async (provider) => {
    await createInstance(provider, 'ee-failed');
    await scheduleLongTimer(provider, 'ee-failed');
    assert.equal(await timerDepth(provider), 1);
    await endTurn(provider, 'ee-failed', [], (item) => ({
      historyDelta: [failedEvent('ee-failed', nextEventId(item))],
      metadata: turnMetadata(item, { status: 'Failed', output: JSON.stringify(FAILURE) }),
    }));
    assert.equal(await timerDepth(provider), 0);
    assert.equal((await provider.getQueueDepths()).orchestratorQueue, 0, 'nothing is left to fetch');
  }),

  define('a running turn keeps its pending timers', async (provider) => {
    await createInstance(provider, 'ee-running');
    await scheduleLongTimer(provider, 'ee-running');
    await runTurn(provider, 'ee-running');
    assert.equal(await timerDepth(provider), 1);
  }),

  define(
    "continue-as-new drops the old execution's timers and keeps the new execution's messages",
    async (provider) => {
      await createInstance(provider, 'ee-can');
      await scheduleLongTimer(provider, 'ee-can');
      await endTurn(
        provider,
        'ee-can',
        [completionItem('ee-can', 3), queueItem('ee-can', '"carried"')],
        (item) => ({
          historyDelta: [continuedAsNewEvent('ee-can', nextEventId(item))],
          orchestratorItems: [{ item: continueAsNewItem('ee-can') }],
          metadata: turnMetadata(item, { status: 'ContinuedAsNew', output: '"next"' }),
        }),
      );
      assert.equal(await timerDepth(provider), 0, "execution 1's timer is gone");

      const next = await fetchBatch(provider, 'ee-can');
      assert.deepEqual(
        next.messages.map((m) => m.type).sort(),
        ['ContinueAsNew', 'QueueMessage'],
        'the continue-as-new message and the queue message stay for execution 2',
      );
      // Execution 2 schedules its own timer; ending nothing, it stays.
      await provider.ackOrchestrationItem(
        next.lockToken,
        emptyAck({
          executionId: 2,
          historyDelta: [startedEvent('ee-can', 1, 2, { input: '"next"' })],
          metadata: turnMetadata(next),
          orchestratorItems: [
            { item: timerItem('ee-can', 2, Date.now() + HOUR_MS, 2), visibleAtMs: Date.now() + HOUR_MS },
          ],
        }),
      );
      assert.equal(await timerDepth(provider), 1, "execution 2's timer stays");
    },
  ),
];
