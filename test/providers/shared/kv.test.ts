/**
 * KV state (reads, merges at the end of an execution, clears), run against every provider.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionStatus, KvMutation, OrchestrationItem, Provider } from '../../../src/core/provider.js';
import { externalItem, fetchOrchestration, startAck } from './builders.js';
import { providerFixtures } from './fixtures.js';

/** Runs one turn of `instance` that applies `mutations`; returns the snapshot the turn saw. */
async function kvTurn(
  provider: Provider,
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

describe.each(providerFixtures)('$name', (fixture) => {
  describe('KV state', () => {
    it('reads writes of the running execution, but keeps them out of fetch snapshots', async () => {
      const provider = await fixture.open();
      await kvTurn(provider, 'i1', [set('a', '1'), set('b', '2')]);
      expect(await provider.getKvValue('i1', 'a')).toBe('1');
      expect(await provider.getKvAllValues('i1')).toEqual({ a: '1', b: '2' });
      expect(await kvTurn(provider, 'i1', [])).toEqual({});
    });

    it('merges the delta into the snapshot when the execution ends', async () => {
      for (const status of ['Completed', 'Failed', 'ContinuedAsNew'] as const) {
        const provider = await fixture.open();
        await kvTurn(provider, 'i1', [set('a', '1', 100)]);
        await kvTurn(provider, 'i1', [set('b', '2', 200)], status);
        expect(await kvTurn(provider, 'i1', [])).toEqual({
          a: { value: '1', lastUpdatedAtMs: 100 },
          b: { value: '2', lastUpdatedAtMs: 200 },
        });
        expect(await provider.getKvAllValues('i1')).toEqual({ a: '1', b: '2' });
        await provider.close();
      }
    });

    it('hides cleared keys at once and deletes them at the merge', async () => {
      const provider = await fixture.open();
      await kvTurn(provider, 'i1', [set('a', '1'), set('b', '2')], 'ContinuedAsNew');
      await kvTurn(provider, 'i1', [{ op: 'clear', key: 'a' }]);
      expect(await provider.getKvValue('i1', 'a')).toBeNull();
      expect(await provider.getKvAllValues('i1')).toEqual({ b: '2' });
      const snapshot = await kvTurn(provider, 'i1', [], 'Completed');
      expect(Object.keys(snapshot).sort()).toEqual(['a', 'b']);
      expect(Object.keys(await kvTurn(provider, 'i1', []))).toEqual(['b']);
    });

    it('clearAll tombstones committed and pending keys, and later sets win', async () => {
      const provider = await fixture.open();
      await kvTurn(provider, 'i1', [set('a', '1')], 'ContinuedAsNew');
      await kvTurn(provider, 'i1', [set('b', '2'), { op: 'clearAll' }, set('c', '3')]);
      expect(await provider.getKvAllValues('i1')).toEqual({ c: '3' });
      await kvTurn(provider, 'i1', [], 'Completed');
      expect(await kvTurn(provider, 'i1', [])).toEqual({ c: { value: '3', lastUpdatedAtMs: 7 } });
    });

    it('keeps instances apart and handles unknown ones', async () => {
      const provider = await fixture.open();
      await kvTurn(provider, 'i1', [set('k', 'one')]);
      await kvTurn(provider, 'i2', [set('k', 'two')]);
      expect(await provider.getKvValue('i1', 'k')).toBe('one');
      expect(await provider.getKvValue('i2', 'k')).toBe('two');
      expect(await provider.getKvValue('nobody', 'k')).toBeNull();
      expect(await provider.getKvAllValues('nobody')).toEqual({});
    });

    it('stores large values and unusual keys', async () => {
      const provider = await fixture.open();
      const big = 'x'.repeat(16 * 1024);
      await kvTurn(provider, 'i1', [set('emoji 🔑 / "quoted"', big)], 'Completed');
      expect(await provider.getKvValue('i1', 'emoji 🔑 / "quoted"')).toBe(big);
    });
  });
});
