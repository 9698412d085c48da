/**
 * SQLite versions of the lease-timing cases, on a virtual clock (the PostgreSQL file has its
 * own); the cases shared with PostgreSQL are in
 * test/providers/shared/orchestration-fetch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { fetchOrchestration, openProvider, startAck, startItem } from './helpers.js';

describe('attempt counts', () => {
  it('grow when a lease expires and the instance is fetched again', async () => {
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(undefined, { clock });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    await fetchOrchestration(provider, 300);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(299);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(1);
    expect((await fetchOrchestration(provider)).attemptCount).toBe(2);
  });
});

describe('renewOrchestrationItemLock', () => {
  it('extends a live lease', async () => {
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(undefined, { clock });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await fetchOrchestration(provider, 100);
    await provider.renewOrchestrationItemLock(item.lockToken, 10_000);
    clock.advanceBy(9_999);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    await provider.ackOrchestrationItem(item.lockToken, startAck('i1'));
    expect(await provider.getInstanceInfo('i1')).not.toBeNull();
  });
});
