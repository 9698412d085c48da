/**
 * Timing helpers for the providers' wake-up tests.
 */
import type { Provider } from '../../../src/core/provider.js';

/**
 * The first orchestrator wake-up at or after `dueMs` (ms since `started`). A wake-up is a hint
 * (a dispatcher only fetches once more), so a loaded machine may see an extra one before the
 * due time; a few are tolerated, a stream of them is not.
 */
export async function firstWakeAtOrAfter(
  provider: Pick<Provider, 'waitForWork'>,
  started: number,
  dueMs: number,
): Promise<number> {
  for (let wakes = 0; wakes < 3; wakes++) {
    await provider.waitForWork('orchestrator', 10_000);
    const at = Date.now() - started;
    if (at >= dueMs) return at;
  }
  throw new Error(`woken three times before ${dueMs} ms`);
}
