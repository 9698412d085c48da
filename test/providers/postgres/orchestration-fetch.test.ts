/**
 * PostgreSQL-only orchestration-fetch cases (concurrent fetchers, millisecond lease precision);
 * the cases shared with SQLite are in test/providers/shared/orchestration-fetch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { openPostgresProvider as openProvider } from '../../helpers/postgres.js';
import { externalItem, fetchOrchestration, startAck, startItem } from './helpers.js';

describe('fetchOrchestrationItem', () => {
  it('never hands one instance to two concurrent fetchers, and losers keep looking', async () => {
    const provider = await openProvider(undefined, { poolSize: 8 });
    const instances = Array.from({ length: 10 }, (_, n) => `c${n}`);
    for (const instance of instances) {
      await provider.enqueueOrchestratorWork(startItem(instance));
      await provider.enqueueOrchestratorWork(externalItem(instance));
    }
    const fetched = await Promise.all(instances.map(() => provider.fetchOrchestrationItem(30_000)));
    const ids = fetched.map((item) => item?.instanceId);
    expect(ids).not.toContain(undefined);
    expect(new Set(ids).size).toBe(instances.length);
    for (const item of fetched) expect(item?.messages).toHaveLength(2);
    expect(await provider.fetchOrchestrationItem(30_000)).toBeNull();
  });
});

describe('attempt counts', () => {
  it('grow when a lease expires (in milliseconds) and the instance is fetched again', async () => {
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(undefined, { clock });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    await fetchOrchestration(provider, 150);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(149);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(1);
    expect((await fetchOrchestration(provider)).attemptCount).toBe(2);
  });
});

describe('renewOrchestrationItemLock', () => {
  it('extends a live lease with millisecond precision', async () => {
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(undefined, { clock });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await fetchOrchestration(provider, 100);
    // 400 ms: a provider that rounded to whole seconds (duroxide-pg) would extend by 0.
    await provider.renewOrchestrationItemLock(item.lockToken, 400);
    clock.advanceBy(399);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    await provider.ackOrchestrationItem(item.lockToken, startAck('i1'));
    expect(await provider.getInstanceInfo('i1')).not.toBeNull();
  });
});
