/**
 * listInstances/countInstances filters, sorting and paging, and the execution and child listings,
 * run against every provider (the query-plan checks on 10,000 instances stay in the per-provider
 * management-list files).
 */
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import type { ExecutionStatus, InstanceInfo, InstanceQuery } from '../../../src/core/provider.js';
import {
  continueAsNew,
  createInstance,
  finish,
  seedInstances,
  turn,
  type InstanceSpec,
} from './admin-helpers.js';
import { errorOf, externalItem, ack } from './builders.js';
import { openOnVirtualClock, providerFixtures } from './fixtures.js';

describe.each(providerFixtures)('$name', (fixture) => {
  /** 3,000 instances: statuses, two names, every 10th a child of `inst-00000`. */
  function mixedSpecs(count: number): InstanceSpec[] {
    return Array.from({ length: count }, (_, i) => {
      const id = `inst-${String(i).padStart(5, '0')}`;
      const status: ExecutionStatus | undefined =
        i % 5 === 0 ? 'Failed' : i % 3 === 0 ? 'Completed' : undefined;
      return {
        id,
        name: i % 2 === 0 ? 'Even' : 'Odd',
        ...(status === undefined ? {} : { status }),
        ...(i % 10 === 9 ? { parent: 'inst-00000' } : {}),
      };
    });
  }

  function byCreatedDesc(a: InstanceInfo, b: InstanceInfo): number {
    if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
    return a.instanceId < b.instanceId ? 1 : a.instanceId > b.instanceId ? -1 : 0;
  }

  describe('listInstances / countInstances', () => {
    it('returns nothing for an empty store', async () => {
      const provider = await fixture.open();
      expect(await provider.listInstances()).toEqual([]);
      expect(await provider.countInstances({ status: 'Running' })).toBe(0);
    });

    it('filters (AND-ed), sorts and pages thousands of instances', async () => {
      const provider = await fixture.open();
      const specs = mixedSpecs(3000);
      await seedInstances(provider, specs);

      const all = await provider.listInstances();
      expect(all).toHaveLength(3000);
      // Default: newest first, ties broken by instance id (same direction).
      expect(all).toEqual([...all].sort(byCreatedDesc));
      expect(await provider.countInstances()).toBe(3000);

      const statusOf = (spec: InstanceSpec): ExecutionStatus => spec.status ?? 'Running';
      const queries: [InstanceQuery, (s: InstanceSpec) => boolean][] = [
        [{ status: 'Running' }, (s) => statusOf(s) === 'Running'],
        [{ status: 'Failed' }, (s) => statusOf(s) === 'Failed'],
        [{ orchestrationName: 'Odd' }, (s) => s.name === 'Odd'],
        [{ idContains: '-002' }, (s) => s.id.includes('-002')],
        [{ rootsOnly: true }, (s) => s.parent === undefined],
        [
          { status: 'Completed', orchestrationName: 'Odd', rootsOnly: true },
          (s) => statusOf(s) === 'Completed' && s.name === 'Odd' && s.parent === undefined,
        ],
      ];
      for (const [query, matches] of queries) {
        const expected = specs.filter(matches).map((s) => s.id);
        const listed = await provider.listInstances(query);
        expect(listed.map((i) => i.instanceId).sort()).toEqual(expected.sort());
        expect(await provider.countInstances({ ...query, limit: 1, offset: 5 })).toBe(expected.length);
      }
      // Listed rows carry the current execution's status and output.
      const failed = await provider.listInstances({ status: 'Failed', limit: 1 });
      expect(failed[0]).toMatchObject({ status: 'Failed', output: '"Failed"', currentExecutionId: 1 });

      // Pages concatenate to the unpaged listing, for several orders.
      const orders: InstanceQuery[] = [
        {},
        { status: 'Running', descending: false },
        { orderBy: 'instanceId', descending: false },
        { orderBy: 'updatedAt', rootsOnly: true },
      ];
      for (const order of orders) {
        const unpaged = (await provider.listInstances(order)).map((i) => i.instanceId);
        const paged: string[] = [];
        for (let offset = 0; offset < unpaged.length + 250; offset += 250) {
          paged.push(
            ...(await provider.listInstances({ ...order, limit: 250, offset })).map((i) => i.instanceId),
          );
        }
        expect(paged).toEqual(unpaged);
      }
      const byId = await provider.listInstances({ orderBy: 'instanceId', descending: false });
      expect(byId.map((i) => i.instanceId)).toEqual(specs.map((s) => s.id));
      expect(await provider.listInstances({ limit: 10, offset: 2995 })).toHaveLength(5);
    });

    it('matches idContains case-sensitively and literally', async () => {
      const provider = await fixture.open();
      await seedInstances(provider, [{ id: 'Order-1' }, { id: 'order-2' }, { id: 'a%b_c' }]);
      const ids = async (idContains: string): Promise<string[]> =>
        (await provider.listInstances({ idContains, orderBy: 'instanceId', descending: false })).map(
          (i) => i.instanceId,
        );
      expect(await ids('Order')).toEqual(['Order-1']);
      expect(await ids('order')).toEqual(['order-2']);
      expect(await ids('%')).toEqual(['a%b_c']);
      expect(await ids('_')).toEqual(['a%b_c']);
    });

    it('orders by last update, and the status follows the current execution', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await createInstance(provider, { id: 'a' });
      await createInstance(provider, { id: 'b' });
      clock.advanceBy(5);
      // A new turn of `a` makes it the most recently updated.
      await provider.enqueueOrchestratorWork(externalItem('a'));
      await turn(provider, 'a', () => ack({ metadata: { orchestrationName: 'Greeter' } }));
      expect((await provider.listInstances({ orderBy: 'updatedAt' }))[0]?.instanceId).toBe('a');

      // Continue-as-new: ContinuedAsNew until the next execution starts, then Running again.
      await continueAsNew(provider, 'a', 1, { start: false });
      expect(await provider.countInstances({ status: 'ContinuedAsNew' })).toBe(1);
      await turn(provider, 'a', () => ack({ executionId: 2, metadata: { orchestrationName: 'Greeter' } }));
      const [a] = await provider.listInstances({ idContains: 'a' });
      expect(a).toMatchObject({ instanceId: 'a', status: 'Running', currentExecutionId: 2 });
      await finish(provider, 'a', 'Completed', 2);
      expect((await provider.listInstances({ status: 'Completed' })).map((i) => i.instanceId)).toEqual(['a']);
      expect(await provider.countInstances({ status: 'Running' })).toBe(1);
    });

    it('rejects bad arguments with InvalidInputError', async () => {
      const provider = await fixture.open();
      const bad: InstanceQuery[] = [
        { limit: -1 },
        { offset: 1.5 },
        { status: 'Bogus' as ExecutionStatus },
        { orderBy: 'name' as 'createdAt' },
        { orderBy: 'toString' as 'createdAt' },
      ];
      for (const query of bad) {
        expect(isDuroxError(await errorOf(provider.listInstances(query)), 'INVALID_INPUT')).toBe(true);
      }
    });
  });

  describe('listExecutions / getExecutionInfo / listChildren', () => {
    it('describes each execution of a continued instance', async () => {
      const provider = await fixture.open();
      await createInstance(provider, { id: 'e', extraEvents: 2 });
      await continueAsNew(provider, 'e', 1);
      await continueAsNew(provider, 'e', 2);
      expect(await provider.listExecutions('e')).toEqual([1, 2, 3]);
      const first = await provider.getExecutionInfo('e', 1);
      expect(first).toMatchObject({
        executionId: 1,
        status: 'ContinuedAsNew',
        output: '"next"',
        eventCount: 4,
      });
      expect(first?.completedAt).toBeGreaterThanOrEqual(first?.startedAt ?? Infinity);
      expect(await provider.getExecutionInfo('e', 3)).toMatchObject({
        executionId: 3,
        status: 'Running',
        output: null,
        completedAt: null,
        eventCount: 1,
      });
      expect(await provider.getExecutionInfo('e', 4)).toBeNull();
      expect(await provider.getExecutionInfo('nope', 1)).toBeNull();
      expect(await provider.listExecutions('nope')).toEqual([]);
    });

    it('lists direct children in creation order', async () => {
      const { provider, clock } = await openOnVirtualClock(fixture);
      await createInstance(provider, { id: 'p' });
      await createInstance(provider, { id: 'p::2', parent: 'p' });
      clock.advanceBy(2);
      await createInstance(provider, { id: 'p::1', parent: 'p' });
      await createInstance(provider, { id: 'p::2::1', parent: 'p::2' });
      expect(await provider.listChildren('p')).toEqual(['p::2', 'p::1']);
      expect(await provider.listChildren('p::2')).toEqual(['p::2::1']);
      expect(await provider.listChildren('p::1')).toEqual([]);
      expect(await provider.listChildren('nope')).toEqual([]);
    });
  });
});
