import { describe, expect, it } from 'vitest';
import {
  externalItem,
  activityItem,
  openProvider,
  sleep,
  startAck,
  startItem,
  tempDbPath,
  completionItem,
} from './helpers.js';

/** Milliseconds until `promise` settles. */
async function elapsed(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await promise;
  return Date.now() - started;
}

describe('waitForWork', () => {
  it('resolves promptly when work is enqueued in-process', async () => {
    const provider = await openProvider();
    const wait = provider.waitForWork('orchestrator', 10_000);
    setTimeout(() => void provider.enqueueOrchestratorWork(startItem('i1')), 20);
    expect(await elapsed(wait)).toBeLessThan(1000);
  });

  it('does not lose a notification that arrived before the wait', async () => {
    const provider = await openProvider();
    await provider.enqueueWorkerWork(activityItem('i1', 1));
    expect(await elapsed(provider.waitForWork('worker', 10_000))).toBeLessThan(100);
    // The pending notification is consumed once.
    expect(await elapsed(provider.waitForWork('worker', 50))).toBeGreaterThanOrEqual(40);
  });

  it('times out and honours an abort signal', async () => {
    const provider = await openProvider();
    expect(await elapsed(provider.waitForWork('orchestrator', 60))).toBeGreaterThanOrEqual(50);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(1000);
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(50);
  });

  it('wakes at the visible time of a delayed message', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(externalItem('i1'), 200);
    const took = await elapsed(provider.waitForWork('orchestrator', 10_000));
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2000);
    expect(await provider.fetchOrchestrationItem(1000)).not.toBeNull();
  });

  it('wakes for each delayed message in turn', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(externalItem('late'), 600);
    await provider.enqueueOrchestratorWork(externalItem('early'), 100);
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000))).toBeLessThan(450);
    const second = await elapsed(provider.waitForWork('orchestrator', 10_000));
    expect(second).toBeGreaterThan(100);
    expect(second).toBeLessThan(2000);
  });

  it('wakes for timers written by an ack, and for delayed work already stored at open', async () => {
    const path = tempDbPath();
    const writer = await openProvider(path);
    await writer.enqueueOrchestratorWork(startItem('i1'));
    const item = await writer.fetchOrchestrationItem(30_000);
    await writer.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', {
        orchestratorItems: [
          {
            item: { type: 'TimerFired', instance: 'i1', execution_id: 1, id: 2, fire_at_ms: 0 },
            visibleAtMs: Date.now() + 300,
          },
        ],
      }),
    );
    // Consume the notification of the start message first.
    await writer.waitForWork('orchestrator', 0);
    const reader = await openProvider(path);
    const [writerWait, readerWait] = await Promise.all([
      elapsed(writer.waitForWork('orchestrator', 10_000)),
      elapsed(reader.waitForWork('orchestrator', 10_000)),
    ]);
    for (const took of [writerWait, readerWait]) {
      expect(took).toBeGreaterThanOrEqual(200);
      expect(took).toBeLessThan(2000);
    }
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
    expect(await elapsed(wait)).toBeLessThan(500);
  });

  it('wakes the orchestrator queue when an ack releases messages that waited for the lease', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    await provider.waitForWork('orchestrator', 0);
    const wait = provider.waitForWork('orchestrator', 10_000);
    await provider.ackOrchestrationItem(item!.lockToken, startAck('i1'));
    expect(await elapsed(wait)).toBeLessThan(500);
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
    expect(await elapsed(wait)).toBeLessThan(500);

    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    expect(await elapsed(wait)).toBeLessThan(500);

    const lease = await provider.fetchWorkItem(30_000, { tagFilter: { mode: 'defaultOnly' } });
    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.ackWorkItem(lease!.lockToken, completionItem('i1', 2));
    expect(await elapsed(wait)).toBeLessThan(500);
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
    expect(await elapsed(wait)).toBeLessThan(500);
  });

  it('ignores changes of other instances', async () => {
    const provider = await openProvider();
    const wait = provider.waitForInstanceChange('quiet', 100);
    await sleep(10);
    await provider.enqueueOrchestratorWork(externalItem('busy'));
    expect(await elapsed(wait)).toBeGreaterThanOrEqual(60);
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
    expect(await elapsed(work)).toBeLessThan(500);
    const item = await runtimeSide.fetchOrchestrationItem(30_000);
    await elapsed(wait);
    wait = clientSide.waitForInstanceChange('i1', 10_000);
    await runtimeSide.ackOrchestrationItem(item!.lockToken, startAck('i1'));
    expect(await elapsed(wait)).toBeLessThan(500);

    const memoryA = await openProvider('sqlite::memory:');
    const memoryB = await openProvider('sqlite::memory:');
    const quiet = memoryB.waitForWork('orchestrator', 100);
    await memoryA.enqueueOrchestratorWork(startItem('x'));
    expect(await elapsed(quiet)).toBeGreaterThanOrEqual(60);
  });
});
