/**
 * An idle runtime on PostgreSQL: its worker slots poll the store on their timers, and one
 * slot's empty answer spares the other slots their polls for a short while (the empty hint is
 * kept per fetch shape, not per slot's session owner). Before, every slot made its own round
 * trip: 16 slots polling every 100 ms cost about 160 empty fetches a second.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import { sequentialFixture } from './sequential-fixture.js';

/**
 * Counts the round trips of this process's `pg` clients whose SQL mentions `fn` (the runtime's
 * provider calls its fetch functions by name). Instrumentation only: every query still runs.
 */
function countQueries(fn: string): { count: () => number; restore: () => void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
    if (text?.includes(fn)) n++;
    return original.apply(this, args);
  };
  return { count: () => n, restore: () => (proto.query = original) };
}

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('idle polling', () => {
  it.skipIf(TEST_PROVIDER !== 'postgres')(
    'makes far fewer empty worker fetches than one per slot and poll interval',
    async () => {
      const slots = 16;
      const pollMs = 100;
      const fetches = countQueries('fetch_work_items');
      restore = fetches.restore;
      const { h, run } = await sequentialFixture({
        workerConcurrency: slots,
        orchestrationConcurrency: 1,
        dispatcherPollIntervalMs: pollMs,
      });
      expect((await run('warm', 2)).output).toBe(2);
      await h.idle();
      const before = fetches.count();
      const windowMs = 1_000;
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const roundTrips = fetches.count() - before;
      // One poll per slot and interval would be slots × window / poll (160 here); a slow
      // machine only polls less. Shared empty hints (25 ms) leave about 30–40 (measured).
      const perSlotPolls = (slots * (Date.now() - started)) / pollMs;
      expect(roundTrips).toBeLessThan(perSlotPolls / 2);
    },
  );
});
