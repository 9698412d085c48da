/**
 * `durox tui` over 10,000 instances: the first page appears and paging works within bounded
 * times, and every refresh reads one page (listInstances with a page-sized limit) and counts,
 * never the whole store. A wrapper around the real Client records each call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TuiClient } from '../../src/tui/client.js';
import { SCHEDULE_ORCHESTRATION } from '../../src/engine/schedules/schedule-orchestration.js';
import { KEYS, renderTui } from './render.js';
import { openStore, seedInstances } from './store.js';
import type { TestStore } from './store.js';

const COUNT = 10_000;

let store: TestStore;

beforeAll(async () => {
  store = await openStore();
  await seedInstances(store, COUNT);
}, 120_000);

afterAll(async () => {
  await store.close();
});

interface Call {
  method: string;
  args: unknown[];
  /** How long the call took (ms), once it settled. */
  ms?: number;
}

/** The real Client, with every call recorded. */
function recording(client: TuiClient): { client: TuiClient; calls: Call[] } {
  const calls: Call[] = [];
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const call: Call = { method: String(property), args };
        calls.push(call);
        const started = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const settled = (): void => {
          call.ms = performance.now() - started;
        };
        void Promise.resolve(result).then(settled, settled);
        return result;
      };
    },
  });
  return { client: wrapped, calls };
}

describe(`${COUNT.toLocaleString('en-US')} instances`, () => {
  it('shows the first page quickly, pages through, and reads a page per refresh', async () => {
    expect(await store.client.countInstances()).toBe(COUNT);
    const { client, calls } = recording(store.client);
    const started = Date.now();
    const t = renderTui({ client, initialView: 'instances', refreshMs: 100 });
    // 24 rows: 18 instances per page.
    let frame = await t.waitFor('1–18 of 10,000', 3_000);
    const firstPageMs = Date.now() - started;
    expect(firstPageMs).toBeLessThan(3_000);
    expect(frame).toContain('page 1/556');
    expect(frame).toMatch(/^› bulk-\d{5} +Trivial 1\.0\.0 +(Completed|Failed)/m);

    const paging = Date.now();
    // Sorted by id: bulk-00000 first.
    await t.press('s', 'Sort updated ↓', 2_000);
    frame = await t.press('s', 'Sort id ↑', 2_000);
    expect(frame).toMatch(/^› bulk-00000 +Trivial 1\.0\.0 +Failed/m);
    frame = await t.press(KEYS.pageDown, '19–36 of 10,000', 2_000);
    expect(frame).toMatch(/^› bulk-00018 /m);
    frame = await t.press('G', '9,991–10,000 of 10,000', 2_000);
    expect(frame).toMatch(/^› bulk-09999 +Trivial 1\.0\.0 +Completed/m);
    expect(frame).toContain('page 556/556');
    frame = await t.press(KEYS.pageUp, '9,973–9,990 of 10,000', 2_000);
    frame = await t.press('f', (f) => f.includes('Status Running') && f.includes('0 of 0'), 2_000);
    frame = await t.press('f', (f) => f.includes('Status Completed') && f.includes('of 9,000'), 2_000);
    expect(frame).toMatch(/^› bulk-00001 /m);
    frame = await t.press('f', (f) => f.includes('Status Failed') && f.includes('1–18 of 1,000'), 2_000);
    expect(frame).toMatch(/^ {2}bulk-00010 +Trivial 1\.0\.0 +Failed/m);
    await t.press('f', 'Status ContinuedAsNew', 2_000);
    await t.press('f', 'Status Pending', 2_000);
    await t.press('f', 'Status All', 2_000);
    await t.press('/', 'Search /');
    frame = await t.press('00777', (f) => f.includes('/00777') && f.includes('1–1 of 1'), 2_000);
    expect(frame).toMatch(/^› bulk-00777 /m);
    expect(Date.now() - paging).toBeLessThan(10_000);

    // Let a few refreshes run on the overview and on the table, then inspect what they read.
    await t.press(KEYS.escape, '1–18 of 10,000');
    const from = calls.length;
    const refreshes = (method: string) => calls.slice(from).filter((c) => c.method === method).length;
    await t.waitFor(() => refreshes('listInstances') >= 3, 5_000);
    await t.press('1', 'Latest failures');
    await t.waitFor(() => refreshes('getQueueDepths') >= 3, 5_000);

    const methods = new Set(calls.map((c) => c.method));
    expect([...methods].sort()).toEqual([
      'countInstances',
      'getQueueDepths',
      'getSystemMetrics',
      'getUnrunnableWork',
      'listInstances',
    ]);
    for (const call of calls.filter((c) => c.method === 'listInstances')) {
      const query = call.args[0] as { limit?: number };
      expect(query.limit, JSON.stringify(query)).toBeGreaterThan(0);
      expect(query.limit).toBeLessThanOrEqual(18);
    }
    // Each read is a bounded query: no refresh waits on a scan of everything.
    const slowest = Math.max(...calls.filter((c) => c.ms !== undefined).map((c) => c.ms!));
    expect(slowest).toBeLessThan(2000);
    // One page and one count per table refresh.
    const tableRefresh = calls.filter(
      (c) => c.method === 'listInstances' && (c.args[0] as { limit: number }).limit === 18,
    );
    // (The header's count of running schedules is the other one, per metrics refresh.)
    const tableCounts = calls.filter(
      (c) =>
        c.method === 'countInstances' &&
        (c.args[0] as { orchestrationName?: string }).orchestrationName !== SCHEDULE_ORCHESTRATION,
    );
    expect(tableCounts.length).toBe(tableRefresh.length);
  });
});
