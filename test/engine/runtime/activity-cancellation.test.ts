import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { createHarness, untilCancelled } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

describe('in-process activity cancellation', () => {
  it('tells a local activity it lost a race at once, without waiting for its lease renewal', async () => {
    // A 30 s lease is renewed every 25 s: only the in-process notice can be this fast.
    const clock = new VirtualClock(Date.now());
    const h = await createHarness({ workerLockTimeoutMs: 30_000, clock });
    let observedAfterMs = -1;
    let startedAt = 0;
    h.runtime.registerActivity('Slow', async (ctx) => {
      const started = (startedAt = Date.now());
      await untilCancelled(ctx, 20_000);
      observedAfterMs = Date.now() - started;
      return 'slow';
    });
    h.runtime.registerOrchestration('Race', function* (ctx) {
      const winner = yield ctx.race(ctx.scheduleActivity('Slow'), ctx.scheduleTimer(200));
      return winner.index;
    });
    await h.runtime.start();
    await h.client.startOrchestration('race', 'Race');
    // The timer wins once the activity runs.
    await eventually(() => startedAt > 0, 'the activity to start');
    clock.advanceBy(200);
    expect(await h.client.waitForOrchestration('race', 10_000)).toMatchObject({ output: 1 });
    await eventually(() => observedAfterMs >= 0, 5_000);
    expect(observedAfterMs).toBeLessThan(3_000);
    expect((await h.kinds('race')).filter((k) => k === 'ActivityCompleted')).toHaveLength(0);
  });
});
