import { describe, expect, it } from 'vitest';
import type { ExecutionStatus, KvMutation, OrchestrationItem } from '../../../src/core/provider.js';
import type { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import { openPostgresProvider as openProvider } from '../../helpers/postgres.js';
import { externalItem, fetchOrchestration, startAck } from './helpers.js';

/** Runs one turn of `instance` that applies `mutations`; returns the snapshot the turn saw. */
async function kvTurn(
  provider: PostgresProvider,
  instance: string,
  mutations: KvMutation[],
  status?: ExecutionStatus,
): Promise<OrchestrationItem['kvSnapshot']> {
  await provider.enqueueOrchestratorWork(externalItem(instance));
  const item = await fetchOrchestration(provider);
  await provider.ackOrchestrationItem(
    item.lockToken,
    startAck(instance, {
      historyDelta: [],
      kvMutations: mutations,
      metadata: { orchestrationName: 'Greeter', ...(status === undefined ? {} : { status }) },
    }),
  );
  return item.kvSnapshot;
}

const set = (key: string, value: string, lastUpdatedAtMs = 7): KvMutation => ({
  op: 'set',
  key,
  value,
  lastUpdatedAtMs,
});

describe('KV state (PostgreSQL specifics)', () => {
  it('keeps a key named __proto__ as a plain key in snapshots', async () => {
    const provider = await openProvider();
    await kvTurn(provider, 'i1', [set('__proto__', 'p', 5)], 'ContinuedAsNew');
    const snapshot = await kvTurn(provider, 'i1', []);
    expect(Object.keys(snapshot)).toEqual(['__proto__']);
    expect(snapshot['__proto__']).toEqual({ value: 'p', lastUpdatedAtMs: 5 });
    expect(await provider.getKvValue('i1', '__proto__')).toBe('p');
  });

  it('applies mutations of one turn in order', async () => {
    const provider = await openProvider();
    await kvTurn(provider, 'i1', [
      set('a', '1'),
      { op: 'clear', key: 'a' },
      set('a', '2'),
      set('b', 'x'),
      { op: 'clear', key: 'b' },
    ]);
    expect(await provider.getKvAllValues('i1')).toEqual({ a: '2' });
  });
});
