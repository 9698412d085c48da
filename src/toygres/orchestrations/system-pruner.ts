/**
 * `toygres::system-pruner` 1.0.0 (singleton instance id `toygres-system-pruner`, eternal): each
 * run deletes finished toygres orchestrations older than a threshold
 * (`client.deleteInstanceBulk`), keeps only the last executions of the actors and of itself
 * (`client.pruneExecutionsBulk`), and drops orphan passwords and the health history of deleted
 * instances; then it waits and continues as new.
 */
import type { OrchestrationContext, Task } from '../../index.js';
import { ACTIVITIES } from '../names.js';
import type { SystemPruneOutput, SystemPrunerInput } from '../types.js';

export function* systemPrunerV1(
  ctx: OrchestrationContext,
  input: SystemPrunerInput,
): Generator<Task, unknown, any> {
  try {
    const result: SystemPruneOutput = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.systemPrune,
      { terminalOlderThanMs: input.terminalOlderThanMs, keepExecutions: input.keepExecutions },
      { maxAttempts: 3, backoff: { kind: 'exponential', baseMs: 2_000, maxMs: 30_000 }, timeoutMs: 300_000 },
    );
    ctx.setCustomStatus(JSON.stringify({ iteration: input.iteration + 1, ...result }));
  } catch (err) {
    ctx.traceWarn(`system prune failed: ${(err as Error).message}`);
    ctx.setCustomStatus(JSON.stringify({ iteration: input.iteration + 1, error: (err as Error).message }));
  }
  yield ctx.scheduleTimer(input.intervalMs);
  return yield ctx.continueAsNew({ ...input, iteration: input.iteration + 1 });
}
