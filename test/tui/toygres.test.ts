/**
 * The Toygres screen: without a data source it says toygres is not installed; with one it shows
 * each managed PostgreSQL instance's state, health, latest latency and its actor's custom
 * status (read through the Client when the source does not carry it), and Enter opens the
 * actor's detail screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToygresDataSource, ToygresSnapshot } from '../../src/tui/toygres.js';
import { KEYS, renderTui, stable } from './render.js';
import { populatedStore } from './store.js';
import type { TestStore } from './store.js';

let store: TestStore;

beforeAll(async () => {
  store = await populatedStore();
});

afterAll(async () => {
  await store.close();
});

function source(
  snapshot: () => ToygresSnapshot | Promise<ToygresSnapshot>,
): ToygresDataSource & { calls: number } {
  const s = {
    calls: 0,
    snapshot: async () => {
      s.calls++;
      return snapshot();
    },
  };
  return s;
}

describe('toygres screen', () => {
  it('says toygres is not installed by default', async () => {
    const t = renderTui({ client: store.client, initialView: 'toygres' });
    const frame = await t.waitFor('toygres is not installed in this store');
    expect(frame).toContain('[3 Toygres]');
  });

  it('shows instances from the data source with their actor status, and opens the actor', async () => {
    const now = Date.now();
    const rows = source(() => ({
      installed: true,
      instances: [
        {
          name: 'pg-orders',
          state: 'Running',
          health: 'healthy',
          latencyMs: 3,
          checkedAt: now - 2000,
          actorInstanceId: 'approval-1',
        },
        {
          name: 'pg-analytics',
          state: 'Provisioning',
          health: 'unknown',
          latencyMs: null,
          actorCustomStatus: 'creating volume',
        },
        {
          name: 'pg-legacy',
          state: 'Running',
          health: 'unreachable',
          latencyMs: 1200,
          checkedAt: now - 5000,
        },
      ],
    }));
    const t = renderTui({ client: store.client, initialView: 'toygres', toygres: rows });
    let frame = await t.waitFor('waiting for approval');
    expect(frame).toMatch(/› pg-orders +Running +healthy +3 ms +\S+ ago +waiting for approval/);
    expect(frame).toMatch(/ {2}pg-analytics +Provisioning +unknown +— +— +creating volume/);
    expect(frame).toMatch(/ {2}pg-legacy +Running +unreachable +1200 ms +\S+ ago +—/);
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/toygres.txt');
    // Only rows with an actor open one.
    await t.press(KEYS.down, '› pg-analytics');
    await t.press(KEYS.enter, 'pg-analytics');
    expect(t.frame()).toContain('[3 Toygres]');
    await t.press(KEYS.up, '› pg-orders');
    frame = await t.press(KEYS.enter, 'approval-1 · Approval 1.0.0 · Running');
    frame = await t.press(KEYS.escape, '› pg-orders');
    expect(frame).toContain('[3 Toygres]');
    expect(rows.calls).toBeGreaterThan(0);
  });

  it('shows a failing source as an error and is not read on other screens', async () => {
    const failing = source(() => {
      throw new Error('metadata store unreachable');
    });
    const t = renderTui({ client: store.client, toygres: failing });
    await t.waitFor('Latest failures');
    expect(failing.calls).toBe(0);
    const frame = await t.press('3', 'cannot read toygres: metadata store unreachable');
    expect(frame).toContain('Toygres · managed PostgreSQL instances');
  });

  it('an installed toygres without instances says so', async () => {
    const t = renderTui({
      client: store.client,
      initialView: 'toygres',
      toygres: source(() => ({ installed: true, instances: [] })),
    });
    await t.waitFor('no managed instances yet');
  });
});
