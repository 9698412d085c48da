/**
 * Several providers on one schema stand for several processes (each has its own pool). They
 * race for the same instances and activities; the leases must hand every message to exactly
 * one turn and keep each instance's history gap-free.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/core/history.js';
import type { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { createTestSchema, openPostgresProvider as openProvider } from '../../helpers/postgres.js';
import {
  ack,
  externalEvent,
  externalItem,
  fetchOrchestration,
  startAck,
  startedEvent,
  startItem,
} from './helpers.js';

describe('several providers on one schema', () => {
  it('process every message exactly once, with gap-free histories', async () => {
    const schema = createTestSchema();
    const providers = await Promise.all([0, 1, 2].map(() => openProvider(schema, { poolSize: 4 })));
    const instances = Array.from({ length: 12 }, (_, n) => `h${n}`);
    const eventsPerInstance = 8;
    for (const id of instances) await providers[0]!.enqueueOrchestratorWork(startItem(id));
    let sent = 0;
    const total = instances.length * eventsPerInstance;
    const send = async (provider: PostgresProvider): Promise<void> => {
      while (sent < total) {
        const n = sent++;
        await provider.enqueueOrchestratorWork(externalItem(instances[n % instances.length]!, `"e${n}"`));
      }
    };
    let handled = 0;
    const work = async (provider: PostgresProvider, loop: number): Promise<void> => {
      let idle = 0;
      while (idle < 40) {
        const item = await provider.fetchOrchestrationItem(30_000);
        if (item === null) {
          idle++;
          await provider.waitForWork('orchestrator', 10);
          continue;
        }
        idle = 0;
        // Now and then a turn is given up and must be redelivered whole.
        if ((handled + loop) % 7 === 0) {
          handled++;
          await provider.abandonOrchestrationItem(item.lockToken);
          continue;
        }
        handled++;
        const isNew = item.history.length === 0;
        const events: HistoryEvent[] = isNew ? [startedEvent(item.instanceId)] : [];
        let next = item.history.length + events.length + 1;
        for (const message of item.messages) {
          if (message.type === 'ExternalRaised')
            events.push(externalEvent(item.instanceId, next++, message.data));
        }
        await provider.ackOrchestrationItem(
          item.lockToken,
          isNew ? startAck(item.instanceId, { historyDelta: events }) : ack({ historyDelta: events }),
        );
      }
    };
    await Promise.all([
      ...providers.map((provider) => send(provider)),
      ...providers.flatMap((provider, p) => [0, 1, 2].map((loop) => work(provider, p * 3 + loop))),
    ]);
    const seen = new Set<string>();
    for (const id of instances) {
      const history = await providers[1]!.readHistory(id);
      expect(history.map((event) => event.event_id)).toEqual(history.map((_, index) => index + 1));
      expect(history[0]?.type).toBe('OrchestrationStarted');
      for (const event of history.slice(1)) {
        expect(event.type).toBe('ExternalEvent');
        const data = (event as Extract<HistoryEvent, { type: 'ExternalEvent' }>).data;
        expect(seen.has(data)).toBe(false);
        seen.add(data);
      }
    }
    expect(seen.size).toBe(total);
    expect(await providers[2]!.getQueueDepths()).toEqual({
      orchestratorQueue: 0,
      workerQueue: 0,
      timerQueue: 0,
    });
  }, 60_000);

  it('do not stall behind messages of an instance that is leased or does not exist', async () => {
    const schema = createTestSchema();
    const a = await openProvider(schema);
    const b = await openProvider(schema);
    // Oldest: many messages for an instance someone holds, and some for one that does not exist.
    await a.enqueueOrchestratorWork(startItem('held'));
    const held = await fetchOrchestration(a);
    for (let n = 0; n < 50; n++) await a.enqueueOrchestratorWork(externalItem('held', `"${n}"`));
    await a.enqueueOrchestratorWork({ type: 'QueueMessage', instance: 'ghost', name: 'q', data: '"?"' });
    await a.enqueueOrchestratorWork(startItem('ready'));
    const ghost = await fetchOrchestration(b);
    expect(ghost.instanceId).toBe('ghost');
    expect(ghost.orchestrationName).toBe('unknown');
    // The engine drops orphans with an ack that carries no metadata.
    await b.ackOrchestrationItem(ghost.lockToken, ack());
    expect(await b.getInstanceInfo('ghost')).toBeNull();
    expect((await fetchOrchestration(b)).instanceId).toBe('ready');
    expect(await b.fetchOrchestrationItem(30_000)).toBeNull();
    await a.abandonOrchestrationItem(held.lockToken);
    expect((await fetchOrchestration(b)).messages).toHaveLength(51);
  });
});
