import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/core/history.js';
import type { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { openPostgresProvider as openProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import {
  ack,
  externalEvent,
  externalItem,
  fetchOrchestration,
  startInstance,
  startItem,
  startedEvent,
} from './helpers.js';

/** One turn: deliver an event to the instance and append it to history. */
async function eventTurn(
  provider: PostgresProvider,
  instance: string,
  data: string,
): Promise<HistoryEvent[]> {
  await provider.enqueueOrchestratorWork(externalItem(instance, data));
  const item = await fetchOrchestration(provider);
  const event = externalEvent(instance, item.history.length + 1, data);
  await provider.ackOrchestrationItem(item.lockToken, ack({ historyDelta: [event] }));
  return [...item.history, event];
}

describe('history', () => {
  it('is returned in event order, turn after turn, and by execution', async () => {
    const provider = await openProvider();
    await startInstance(provider, 'a');
    let expected: HistoryEvent[] = [];
    for (let turn = 0; turn < 5; turn++) {
      expected = await eventTurn(provider, 'a', `"a${turn}"`);
      expect(await provider.readHistory('a')).toEqual(expected);
    }
    expect(expected.map((event) => event.event_id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await provider.readHistory('a', 1)).toEqual(expected);
    expect(await provider.readHistory('a', 2)).toEqual([]);
    expect(await provider.readHistory('nobody')).toEqual([]);
  });

  it('picks up events appended by another provider on the same schema', async () => {
    const first = await openProvider();
    const second = await openProvider(first.schema);
    await startInstance(first, 'i1');
    await eventTurn(first, 'i1', '"by first"');
    await eventTurn(second, 'i1', '"by second"');
    const history = await eventTurn(first, 'i1', '"first again"');
    expect(history.map((event) => event.event_id)).toEqual([1, 2, 3, 4]);
    expect(await second.readHistory('i1')).toEqual(history);
  });
});

describe('history decoding', () => {
  it('reports a corrupt history row as historyError and keeps the lock', async () => {
    const clock = new VirtualClock(Date.now());
    const provider = await openProvider(undefined, { clock });
    await startInstance(provider, 'i1');
    const raw = await rawClient();
    await raw.query(
      `UPDATE ${quoteIdent(provider.schema)}.history SET event_data = '{broken' WHERE instance_id = 'i1'`,
    );
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    const item = await fetchOrchestration(provider, 300);
    expect(item.history).toEqual([]);
    expect(item.historyError).toMatch(/could not be decoded/);
    expect(item.attemptCount).toBe(1);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
    clock.advanceBy(300);
    expect((await fetchOrchestration(provider)).attemptCount).toBe(2);
    await expect(provider.readHistory('i1')).rejects.toThrow(/could not be decoded/);
  });

  it('catches a row that holds two values', async () => {
    const provider = await openProvider();
    await startInstance(provider, 'i1');
    const raw = await rawClient();
    await raw.query(
      `UPDATE ${quoteIdent(provider.schema)}.history SET event_data = '{},{}' WHERE instance_id = 'i1'`,
    );
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    expect((await fetchOrchestration(provider)).historyError).toMatch(/could not be decoded/);
  });

  it('reports a corrupt queue message as historyError', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const raw = await rawClient();
    await raw.query(`UPDATE ${quoteIdent(provider.schema)}.orchestrator_queue SET work_item = 'nope'`);
    const item = await fetchOrchestration(provider);
    expect(item.historyError).toMatch(/queue message 1 of the batch could not be decoded/);
    expect(item.messages).toEqual([]);
  });
});

describe('history cache (long histories read incrementally)', () => {
  /** An instance with `events` events in its current execution. */
  async function longInstance(
    provider: PostgresProvider,
    instance: string,
    events: number,
  ): Promise<HistoryEvent[]> {
    await provider.enqueueOrchestratorWork(startItem(instance));
    const item = await fetchOrchestration(provider);
    const history: HistoryEvent[] = [startedEvent(instance)];
    for (let id = 2; id <= events; id++) history.push(externalEvent(instance, id, `"e${id}"`));
    await provider.ackOrchestrationItem(
      item.lockToken,
      ack({
        historyDelta: history,
        metadata: { orchestrationName: 'Greeter', orchestrationVersion: '1.0.0' },
      }),
    );
    return history;
  }

  it('returns the same history as a full read, turn after turn, with and without the cache', async () => {
    for (const historyCacheEvents of [0, 100_000]) {
      const provider = await openProvider(undefined, { historyCacheEvents });
      let expected = await longInstance(provider, 'long', 40);
      for (let turn = 0; turn < 4; turn++) {
        expected = await eventTurn(provider, 'long', `"t${turn}"`);
        expect(await provider.readHistory('long')).toEqual(expected);
      }
      await provider.enqueueOrchestratorWork(externalItem('long'));
      expect((await fetchOrchestration(provider)).history).toEqual(expected);
    }
  });

  it('picks up events another provider appended, and a history rewritten underneath', async () => {
    const first = await openProvider();
    const second = await openProvider(first.schema);
    await longInstance(first, 'long', 40);
    await eventTurn(first, 'long', '"cached now"');
    await eventTurn(second, 'long', '"by second"');
    let history = await eventTurn(first, 'long', '"first again"');
    expect(history.map((event) => event.event_id)).toEqual(history.map((_, index) => index + 1));
    expect(await first.readHistory('long')).toEqual(history);
    // Rewrite the last event behind the cache's back: the md5 check forces a full read.
    const raw = await rawClient();
    const last = history[history.length - 1]!;
    const changed = { ...last, data: '"rewritten"' } as HistoryEvent;
    await raw.query(
      `UPDATE ${quoteIdent(first.schema)}.history SET event_data = $1 WHERE instance_id = 'long' AND event_id = $2`,
      [JSON.stringify(changed), last.event_id],
    );
    history = [...history.slice(0, -1), changed];
    await first.enqueueOrchestratorWork(externalItem('long'));
    expect((await fetchOrchestration(first)).history).toEqual(history);
  });

  it('does not serve a stale history after the instance was deleted and recreated in the same millisecond', async () => {
    const provider = await openProvider();
    const frozen = Date.now();
    const realNow = Date.now;
    Date.now = () => frozen;
    try {
      await longInstance(provider, 'reused', 40);
      await eventTurn(provider, 'reused', '"old"');
      await provider.deleteInstances(['reused'], true);
      const other = await openProvider(provider.schema);
      await longInstance(other, 'reused', 35);
      const expected = await eventTurn(other, 'reused', '"new"');
      await provider.enqueueOrchestratorWork(externalItem('reused'));
      expect((await fetchOrchestration(provider)).history).toEqual(expected);
      // A stale entry of another provider's cache (never told about the delete) is caught too.
      await other.deleteInstances(['reused'], true);
      await longInstance(provider, 'reused', 33);
      await other.enqueueOrchestratorWork(externalItem('reused'));
      expect((await fetchOrchestration(other)).history).toHaveLength(33);
    } finally {
      Date.now = realNow;
    }
  });
});
