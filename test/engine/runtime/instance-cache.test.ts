import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { HistoryEvent } from '../../../src/core/history.js';
import type { Harness } from '../../helpers/runtime-harness.js';

/** A workload that exercises many turns: sequence, fan-out, timers, events, KV, custom status. */
function register(h: Harness): void {
  h.runtime.registerActivity('Inc', async (_ctx, n: number) => n + 1);
  h.runtime.registerOrchestration('Mixed', function* (ctx, n: number) {
    let x = n;
    for (let i = 0; i < 3; i++) x = yield ctx.scheduleActivity('Inc', x);
    const fan = yield ctx.all([1, 2, 3].map((v) => ctx.scheduleActivity('Inc', v)));
    ctx.setValue('x', String(x));
    ctx.setCustomStatus(`x=${x}`);
    yield ctx.scheduleTimer(5);
    const raced = yield ctx.race(ctx.scheduleActivity('Inc', 100), ctx.scheduleTimer(60_000));
    const guid = yield ctx.newGuid();
    return { x, fan, raced, guidLength: guid.length, kv: ctx.getValue('x') };
  });
}

function normalise(history: HistoryEvent[]): unknown[] {
  // Timestamps, GUIDs and wall-clock-derived values differ between runs; structure must not.
  return history.map((e) => {
    const { timestamp_ms: _t, ...rest } = e as HistoryEvent & Record<string, unknown>;
    if ('fire_at_ms' in rest) rest.fire_at_ms = 0;
    if ('last_updated_at_ms' in rest) rest.last_updated_at_ms = 0;
    if (
      rest.type === 'ActivityCompleted' &&
      typeof rest.result === 'string' &&
      /^"[0-9a-f-]{36}"$/.test(rest.result)
    ) {
      rest.result = '"<guid>"';
    }
    return rest;
  });
}

describe('instance cache', () => {
  it('gives the same histories and outputs with the cache (hits) and without it (full replays)', async () => {
    // One activity at a time, so both stores see completions in the same order.
    const cached = await createHarness({ workerConcurrency: 1 });
    const uncached = await createHarness({ orchestrationCacheSize: 0, workerConcurrency: 1 });
    for (const h of [cached, uncached]) {
      register(h);
      await h.runtime.start();
      for (let i = 0; i < 5; i++) await h.client.startOrchestration(`m${i}`, 'Mixed', i * 10);
    }
    for (let i = 0; i < 5; i++) {
      const a = await cached.client.waitForOrchestration(`m${i}`, 10_000);
      const b = await uncached.client.waitForOrchestration(`m${i}`, 10_000);
      expect(a.status).toBe('Completed');
      expect(a.output).toEqual(b.output);
      expect(normalise(await cached.history(`m${i}`))).toEqual(normalise(await uncached.history(`m${i}`)));
    }
    expect(cached.runtime.cacheStats().hits).toBeGreaterThan(0);
    expect(uncached.runtime.cacheStats().hits).toBe(0);
  });
});
