/**
 * `toygres::system-prune-run` 1.0.0: one prune, started by the system pruner's schedule
 * (`toygres-system-pruner`, see ../pruner.ts) as `toygres-system-pruner@<ISO time>`. It runs the
 * `toygres::system-prune` activity once, with retries, counting the thresholds back from its own
 * orchestration time, and completes with what it pruned; when the retries are exhausted it fails,
 * which `describeSchedule` shows as the run's status. The next scheduled run prunes this one once
 * it is older than the threshold (it is a toygres orchestration like the others).
 */
import type { OrchestrationContext, RetryPolicyInput, Task } from '../../index.js';
import { ACTIVITIES } from '../names.js';
import type { SystemPruneInput, SystemPruneOutput, SystemPruneRunInput } from '../types.js';

/** Retries of the prune activity (the same as the eternal pruner's). */
export const SYSTEM_PRUNE_RETRY: RetryPolicyInput = {
  maxAttempts: 3,
  backoff: { kind: 'exponential', baseMs: 2_000, maxMs: 30_000 },
  timeoutMs: 300_000,
};

/** The orchestration (see the module comment). */
export function* systemPruneRunV1(
  ctx: OrchestrationContext,
  input: SystemPruneRunInput,
): Generator<Task, SystemPruneOutput, unknown> {
  const now = yield* ctx.utcNow();
  const activityInput: SystemPruneInput = {
    terminalOlderThanMs: input.terminalOlderThanMs,
    keepExecutions: input.keepExecutions,
    now,
  };
  return yield* ctx.scheduleActivityWithRetry<SystemPruneOutput>(
    ACTIVITIES.systemPrune,
    activityInput,
    SYSTEM_PRUNE_RETRY,
  );
}
