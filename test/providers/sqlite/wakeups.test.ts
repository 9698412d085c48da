import { describe, expect, it } from 'vitest';
import {
  externalItem,
  activityItem,
  elapsed,
  openProvider,
  startAck,
  startItem,
  tempDbPath,
  completionItem,
  watch,
} from './helpers.js';
import { firstWakeAtOrAfter } from '../shared/wake-timing.js';

/**
 * Bound for "the wait ended because of a wake-up, not its 10 s timeout". Generous: the machine
 * running the tests may be loaded.
 */
const WOKEN_WITHIN_MS = 5000;

/** When `promise` settled (epoch ms). */
async function settledAt(promise: Promise<unknown>): Promise<number> {
  await promise;
  return Date.now();
}

describe('waitForWork', () => {
  it('resolves promptly when work is enqueued in-process', async () => {
    const provider = await openProvider();
    const wait = provider.waitForWork('orchestrator', 10_000);
    setTimeout(() => void provider.enqueueOrchestratorWork(startItem('i1')), 20);
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('does not lose a notification that arrived before the wait', async () => {
    const provider = await openProvider();
    await provider.enqueueWorkerWork(activityItem('i1', 1));
    expect(await elapsed(provider.waitForWork('worker', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
    // The pending notification is consumed once.
    expect(await elapsed(provider.waitForWork('worker', 50))).toBeGreaterThanOrEqual(40);
  });

  it('times out and honours an abort signal', async () => {
    const provider = await openProvider();
    expect(await elapsed(provider.waitForWork('orchestrator', 60))).toBeGreaterThanOrEqual(50);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(
      WOKEN_WITHIN_MS,
    );
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(
      WOKEN_WITHIN_MS,
    );
  });

  it('wakes at the visible time of a delayed message', async () => {
    const provider = await openProvider();
    // The delay counts from the call: measured from there, as a slow enqueue uses some of it up.
    const started = Date.now();
    await provider.enqueueOrchestratorWork(externalItem('i1'), 200);
    const woke = (await settledAt(provider.waitForWork('orchestrator', 10_000))) - started;
    expect(woke).toBeGreaterThanOrEqual(200);
    expect(woke).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await provider.fetchOrchestrationItem(1000)).not.toBeNull();
  });

  it('wakes for each delayed message in turn', async () => {
    const provider = await openProvider();
    const started = Date.now();
    await provider.enqueueOrchestratorWork(externalItem('late'), 1500);
    await provider.enqueueOrchestratorWork(externalItem('early'), 100);
    const first = await firstWakeAtOrAfter(provider, started, 100);
    // Woken for the early message, not only for the late one.
    expect(first).toBeLessThan(1500);
    const second = await firstWakeAtOrAfter(provider, started, 1500);
    expect(second).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes for timers written by an ack, and for delayed work already stored at open', async () => {
    const path = tempDbPath();
    const writer = await openProvider(path);
    await writer.enqueueOrchestratorWork(startItem('i1'));
    const item = await writer.fetchOrchestrationItem(30_000);
    const visibleAtMs = Date.now() + 300;
    await writer.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', {
        orchestratorItems: [
          {
            item: { type: 'TimerFired', instance: 'i1', execution_id: 1, id: 2, fire_at_ms: 0 },
            visibleAtMs,
          },
        ],
      }),
    );
    // Consume the notification of the start message first.
    await writer.waitForWork('orchestrator', 0);
    const reader = await openProvider(path);
    const woke = await Promise.all([
      settledAt(writer.waitForWork('orchestrator', 10_000)),
      settledAt(reader.waitForWork('orchestrator', 10_000)),
    ]);
    for (const at of woke) {
      expect(at).toBeGreaterThanOrEqual(visibleAtMs);
      expect(at - visibleAtMs).toBeLessThan(WOKEN_WITHIN_MS);
    }
    expect(await reader.fetchOrchestrationItem(30_000)).not.toBeNull();
  });

  it('wakes the first waiter for work already visible at open', async () => {
    // The writer is gone before the reader opens, as another process would be: no in-process
    // wake-up reaches the reader.
    const path = tempDbPath();
    const writer = await openProvider(path);
    await writer.enqueueOrchestratorWork(externalItem('i1'));
    await writer.enqueueWorkerWork(activityItem('i1', 1));
    await writer.close();
    const reader = await openProvider(path);
    expect(await elapsed(reader.waitForWork('orchestrator', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await elapsed(reader.waitForWork('worker', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes worker waiters when an ack schedules activities', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    await provider.waitForWork('orchestrator', 0);
    const wait = provider.waitForWork('worker', 10_000);
    await provider.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes the orchestrator queue when an ack releases messages that waited for the lease', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    await provider.waitForWork('orchestrator', 0);
    const wait = provider.waitForWork('orchestrator', 10_000);
    await provider.ackOrchestrationItem(item!.lockToken, startAck('i1'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });
});

describe('waitForInstanceChange', () => {
  it('resolves when an ack, an enqueue or a completion touches the instance', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    let wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);

    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);

    const lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'defaultOnly' } });
    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.ackWorkItem(lease!.lockToken, completionItem('i1', 2));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes the target of an orchestrator item written by another instance', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('child'));
    const item = await provider.fetchOrchestrationItem(30_000);
    const wait = provider.waitForInstanceChange('parent', 10_000);
    await provider.ackOrchestrationItem(
      item!.lockToken,
      startAck('child', { orchestratorItems: [{ item: completionItem('parent', 1) }] }),
    );
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('ignores changes of other instances', async () => {
    const provider = await openProvider();
    const controller = new AbortController();
    const quiet = watch(provider.waitForInstanceChange('quiet', 10_000, controller.signal));
    const marker = provider.waitForInstanceChange('marker', 10_000);
    await provider.enqueueOrchestratorWork(externalItem('busy'));
    // Signalled after 'busy': had that woken 'quiet', it would have done so by now.
    await provider.enqueueOrchestratorWork(externalItem('marker'));
    await marker;
    expect(quiet.settled).toBe(false);
    controller.abort();
    await quiet.done;
  });
});

describe('providers of one process on the same file', () => {
  it('share wake-ups; in-memory databases do not', async () => {
    const path = tempDbPath();
    const runtimeSide = await openProvider(path);
    const clientSide = await openProvider(path);
    let wait = clientSide.waitForInstanceChange('i1', 10_000);
    const work = runtimeSide.waitForWork('orchestrator', 10_000);
    await clientSide.enqueueOrchestratorWork(startItem('i1'));
    expect(await elapsed(work)).toBeLessThan(WOKEN_WITHIN_MS);
    const item = await runtimeSide.fetchOrchestrationItem(30_000);
    await elapsed(wait);
    wait = clientSide.waitForInstanceChange('i1', 10_000);
    await runtimeSide.ackOrchestrationItem(item!.lockToken, startAck('i1'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);

    const memoryA = await openProvider('sqlite::memory:');
    const memoryB = await openProvider('sqlite::memory:');
    const controller = new AbortController();
    const quiet = watch(memoryB.waitForWork('orchestrator', 10_000, controller.signal));
    const marker = memoryB.waitForWork('worker', 10_000);
    await memoryA.enqueueOrchestratorWork(startItem('x'));
    // Signalled after memoryA's enqueue: had that reached memoryB, it would have by now.
    await memoryB.enqueueWorkerWork(activityItem('m', 1));
    await marker;
    expect(quiet.settled).toBe(false);
    controller.abort();
    await quiet.done;
  });
});
