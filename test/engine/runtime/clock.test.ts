/**
 * The runtime and the store run on an injected clock: timers, retry backoff and the times
 * turns record follow it, and a jump of the clock fires the timers it passes at once (the
 * providers' wake-up timers follow the clock, not the wall).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

const HOUR_MS = 3_600_000;
const START = Date.UTC(2030, 0, 1);

describe(`an injected clock (${TEST_PROVIDER})`, () => {
  it('a one-hour timer fires when the clock jumps an hour, not before', async () => {
    const clock = new VirtualClock(START);
    const h = await createHarness({ clock });
    h.runtime.registerOrchestration('Nap', function* (ctx) {
      const before: number = yield ctx.utcNow();
      yield ctx.scheduleTimer(HOUR_MS);
      const after: number = yield ctx.utcNow();
      return { before, after };
    });
    await h.runtime.start();
    await h.client.startOrchestration('nap', 'Nap');
    await eventually(async () => (await h.kinds('nap')).includes('TimerCreated'));
    const created = (await h.history('nap')).find((e) => e.type === 'TimerCreated');
    expect(created).toMatchObject({ fire_at_ms: START + HOUR_MS, timestamp_ms: START });

    clock.advanceBy(HOUR_MS - 1);
    // One ms early: still waiting (the status is read after the store saw the jump).
    expect((await h.client.getStatus('nap')).status).toBe('Running');
    clock.advanceBy(1);
    const status = await h.client.waitForOrchestration('nap', 10_000);
    expect(status).toMatchObject({ status: 'Completed', output: { before: START, after: START + HOUR_MS } });
    const fired = (await h.history('nap')).find((e) => e.type === 'TimerFired');
    expect(fired?.timestamp_ms).toBe(START + HOUR_MS);
  });

  it('activity retry backoff waits on the clock', async () => {
    const clock = new VirtualClock(START);
    const h = await createHarness({ clock });
    let calls = 0;
    h.runtime.registerActivity('Flaky', () => {
      calls++;
      if (calls < 3) throw new Error(`attempt ${calls} failed`);
      return 'ok';
    });
    h.runtime.registerOrchestration('Retrying', function* (ctx) {
      return yield ctx.scheduleActivityWithRetry('Flaky', null, {
        maxAttempts: 3,
        backoff: { kind: 'exponential', baseMs: HOUR_MS, multiplier: 2, maxMs: 10 * HOUR_MS },
      });
    });
    await h.runtime.start();
    await h.client.startOrchestration('retry', 'Retrying');
    // Each failed attempt leaves a backoff timer: jump to it.
    for (const attempt of [1, 2]) {
      await eventually(
        async () => (await h.kinds('retry')).filter((kind) => kind === 'TimerCreated').length === attempt,
      );
      const timers = (await h.history('retry')).filter((e) => e.type === 'TimerCreated');
      const last = timers.at(-1) as { fire_at_ms: number };
      clock.advanceTo(last.fire_at_ms);
    }
    expect(await h.client.waitForOrchestration('retry', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'ok',
    });
    expect(calls).toBe(3);
    expect(clock.now()).toBeGreaterThanOrEqual(START + 3 * HOUR_MS);
  });
});
