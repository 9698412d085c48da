/**
 * PostgreSQL-only ack cases (awkward payload text, large batches); the cases shared with SQLite
 * are in test/providers/shared/orchestration-ack.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { openPostgresProvider as openProvider } from '../../helpers/postgres.js';
import {
  activityItem,
  externalEvent,
  externalItem,
  fetchOrchestration,
  scheduledEvent,
  startAck,
  startItem,
  startedEvent,
} from './helpers.js';

describe('ack payloads', () => {
  it('round-trips events and items with awkward text exactly', async () => {
    const provider = await openProvider();
    const awkward = `"quotes" \\ back\\slash $$ dollar $tag$ 'single' \u0000 nul 🔑 ü \n newline`;
    const data = JSON.stringify(awkward);
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await fetchOrchestration(provider);
    await provider.ackOrchestrationItem(
      item.lockToken,
      startAck('i1', {
        historyDelta: [startedEvent('i1'), externalEvent('i1', 2, data)],
        workerItems: [activityItem('i1', 3, { input: data })],
        orchestratorItems: [{ item: externalItem('i1', data) }],
      }),
    );
    expect(await provider.readHistory('i1')).toEqual([startedEvent('i1'), externalEvent('i1', 2, data)]);
    const work = await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } });
    expect(work?.item).toEqual(activityItem('i1', 3, { input: data }));
    const next = await fetchOrchestration(provider);
    expect(next.messages).toEqual([externalItem('i1', data)]);
    expect(next.history[1]).toEqual(externalEvent('i1', 2, data));
  });

  it('takes large batches in one ack', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('fan'));
    const item = await fetchOrchestration(provider);
    const workerItems = Array.from({ length: 500 }, (_, n) => activityItem('fan', n + 2));
    await provider.ackOrchestrationItem(
      item.lockToken,
      startAck('fan', {
        historyDelta: [startedEvent('fan'), ...workerItems.map((w) => scheduledEvent('fan', w.id))],
        workerItems,
      }),
    );
    expect(await provider.readHistory('fan')).toHaveLength(501);
    expect(await provider.getQueueDepths()).toMatchObject({ workerQueue: 500 });
    const first = await provider.fetchWorkItem(1000, { tagFilter: { mode: 'defaultOnly' } });
    expect(first?.item.id).toBe(2);
  });
});
