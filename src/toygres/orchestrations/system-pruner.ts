/**
 * `toygres::system-pruner`: the eternal pruner of earlier releases (singleton instance id
 * `toygres-system-pruner`), replaced by a schedule whose runs are `toygres::system-prune-run`
 * (see ../pruner.ts).
 *
 * Why both versions stay registered: stores may hold a running 1.0.0 instance. Its recorded
 * executions replay on 1.0.0, unchanged. At its next continue-as-new it moves to the latest
 * version, 2.0.0, which does not loop: it creates the pruner's schedule with the settings the
 * instance carried (unless a schedule exists) and completes, so an upgraded worker migrates the
 * store by itself. `ensureSystemPruner` (every create) also removes the old instance. The
 * completed instance is a finished toygres orchestration, deleted by a later prune.
 */
import type { OrchestrationContext, Task } from '../../index.js';
import { ACTIVITIES } from '../names.js';
import type { SystemPruneOutput, SystemPrunerInput, PrunerMigrationOutput } from '../types.js';
import type { SystemPrunerOptions } from '../pruner.js';

/**
 * 1.0.0 (released; never edit): each run deletes finished toygres orchestrations older than a
 * threshold, keeps only the last executions of the actors and of itself, drops orphan
 * passwords and the health history of deleted instances; then it waits and continues as new.
 */
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

/**
 * 2.0.0: moves a running eternal pruner to the schedule (see the module comment) and completes
 * with `{ replacedBy, created }`. Missing settings take the defaults.
 */
export function* systemPrunerV2(
  ctx: OrchestrationContext,
  input: Partial<SystemPrunerInput> | null,
): Generator<Task, PrunerMigrationOutput, unknown> {
  const options: SystemPrunerOptions = {};
  if (typeof input?.intervalMs === 'number') options.intervalMs = input.intervalMs;
  if (typeof input?.terminalOlderThanMs === 'number') options.terminalOlderThanMs = input.terminalOlderThanMs;
  if (typeof input?.keepExecutions === 'number') options.keepExecutions = input.keepExecutions;
  const outcome = yield* ctx.scheduleActivityWithRetry<PrunerMigrationOutput>(
    ACTIVITIES.ensurePrunerSchedule,
    options,
    { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 2_000, maxMs: 60_000 } },
  );
  ctx.setCustomStatus(JSON.stringify(outcome));
  return outcome;
}
