import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/core/history.js';
import type { SqliteProvider } from '../../../src/providers/sqlite/sqlite-provider.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import {
  ack,
  externalEvent,
  externalItem,
  fetchOrchestration,
  openProvider,
  rawConnection,
  startAck,
  startItem,
  startedEvent,
  tempDbPath,
} from './helpers.js';

/** One turn: deliver an event to the instance and append it to history. */
async function eventTurn(provider: SqliteProvider, instance: string, data: string): Promise<HistoryEvent[]> {
  await provider.enqueueOrchestratorWork(externalItem(instance, data));
  const item = await fetchOrchestration(provider);
  const event = externalEvent(instance, item.history.length + 1, data);
  await provider.ackOrchestrationItem(item.lockToken, ack({ historyDelta: [event] }));
  return [...item.history, event];
}

async function startInstance(provider: SqliteProvider, instance: string): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(instance));
  await provider.ackOrchestrationItem((await fetchOrchestration(provider)).lockToken, startAck(instance));
}

describe('history decoding', () => {
  it('reports a corrupt history row as historyError and keeps the lock', async () => {
    const path = tempDbPath();
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(path, { clock });
    await startInstance(provider, 'i1');
    rawConnection(path).prepare("UPDATE history SET event_data = '{broken' WHERE instance_id = 'i1'").run();
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    const item = await fetchOrchestration(provider, 300);
    expect(item.history).toEqual([]);
    expect(item.historyError).toMatch(/history row 1 could not be decoded/);
    expect(item.attemptCount).toBe(1);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(300);
    expect((await fetchOrchestration(provider)).attemptCount).toBe(2);
    await expect(provider.readHistory('i1')).rejects.toThrow(/could not be decoded/);
  });

  it('reports a corrupt queue message as historyError', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    await provider.enqueueOrchestratorWork(startItem('i1'));
    rawConnection(path).prepare("UPDATE orchestrator_queue SET work_item = 'nope'").run();
    const item = await fetchOrchestration(provider);
    expect(item.historyError).toMatch(/queue message \d+ could not be decoded/);
    expect(item.messages).toEqual([]);
  });
});

describe('history cache', () => {
  it('returns the same history as a full read, turn after turn', async () => {
    for (const historyCacheEvents of [0, 3, 100_000]) {
      const provider = await openProvider(tempDbPath(), { historyCacheEvents });
      await startInstance(provider, 'a');
      await startInstance(provider, 'b');
      for (let turn = 0; turn < 6; turn++) {
        for (const instance of ['a', 'b']) {
          const expected = await eventTurn(provider, instance, `"${instance}${turn}"`);
          expect(await provider.readHistory(instance)).toEqual(expected);
        }
      }
      await provider.close();
    }
  });

  it('picks up events appended by another connection', async () => {
    const path = tempDbPath();
    const first = await openProvider(path);
    const second = await openProvider(path);
    await startInstance(first, 'i1');
    await eventTurn(first, 'i1', '"by first"');
    await eventTurn(second, 'i1', '"by second"');
    const history = await eventTurn(first, 'i1', '"first again"');
    expect(history.map((event) => event.event_id)).toEqual([1, 2, 3, 4]);
    expect(await first.readHistory('i1')).toEqual(history);
  });

  it('does not serve a stale history after the instance was recreated elsewhere', async () => {
    const path = tempDbPath();
    // Both processes on one clock; it moves so that the new incarnation's created_at differs.
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(path, { clock });
    await startInstance(provider, 'i1');
    await eventTurn(provider, 'i1', '"old"');
    // Another process deletes the instance and starts it again.
    clock.advanceBy(5);
    const raw = rawConnection(path);
    raw.exec("DELETE FROM history WHERE instance_id = 'i1'; DELETE FROM instances WHERE instance_id = 'i1'");
    const other = await openProvider(path, { clock });
    await startInstance(other, 'i1');
    await eventTurn(other, 'i1', '"new-1"');
    await eventTurn(other, 'i1', '"new-2"');
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    const item = await fetchOrchestration(provider);
    expect(item.history).toEqual([
      startedEvent('i1'),
      externalEvent('i1', 2, '"new-1"'),
      externalEvent('i1', 3, '"new-2"'),
    ]);
  });
});
