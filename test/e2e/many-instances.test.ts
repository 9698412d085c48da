import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
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
    const metrics = await eventually(
      () => {
        const m = h.runtime.metricsSnapshot();
        return m.orchCompletions + m.orchFailures >= ids.length && m;
      },
      { what: 'every orchestration to end', timeoutMs: 170_000, intervalMs: 100 },
    );
    expect(metrics.orchFailures).toBe(0);
    expect(metrics.orchCompletions).toBe(10_000);
    for (const i of [0, 1234, 9999]) {
      expect(await h.client.getStatus(`many-${i}`)).toMatchObject({ status: 'Completed', output: i * i });
    }
  }, 180_000);
});
