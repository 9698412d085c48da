import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/runtime-harness.js';

describe('scale on one file database', () => {
  it('completes 10,000 orchestrations started at once, none failing', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Square', async (_ctx, n: number) => n * n);
    h.runtime.registerOrchestration('OneStep', function* (ctx, n: number) {
      return yield ctx.scheduleActivity('Square', n);
    });
    const ids = Array.from({ length: 10_000 }, (_, i) => i);
    await Promise.all(ids.map((i) => h.client.startOrchestration(`many-${i}`, 'OneStep', i)));
    await h.runtime.start();
    const metrics = await (async () => {
      for (;;) {
        const m = h.runtime.metricsSnapshot();
        if (m.orchCompletions + m.orchFailures >= ids.length) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expect(metrics.orchFailures).toBe(0);
    expect(metrics.orchCompletions).toBe(10_000);
    for (const i of [0, 1234, 9999]) {
      expect(await h.client.getStatus(`many-${i}`)).toMatchObject({ status: 'Completed', output: i * i });
    }
  }, 180_000);
});
