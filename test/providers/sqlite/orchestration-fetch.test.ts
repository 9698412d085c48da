/**
 * SQLite versions of the lease-timing cases (the PostgreSQL file checks millisecond precision
 * with tighter timings); the cases shared with PostgreSQL are in
 * test/providers/shared/orchestration-fetch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fetchOrchestration, openProvider, sleep, startAck, startItem } from './helpers.js';

describe('attempt counts', () => {
  it('grow when a lease expires and the instance is fetched again', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    await fetchOrchestration(provider, 300);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    await sleep(350);
    expect((await fetchOrchestration(provider)).attemptCount).toBe(2);
  });
});

describe('renewOrchestrationItemLock', () => {
  it('extends a live lease', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await fetchOrchestration(provider, 100);
    await provider.renewOrchestrationItemLock(item.lockToken, 10_000);
    await sleep(150);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    await provider.ackOrchestrationItem(item.lockToken, startAck('i1'));
    expect(await provider.getInstanceInfo('i1')).not.toBeNull();
  });
});
