/**
 * `toygres::instance-actor` 1.0.0 (instance id `actor-<name>`): the eternal health monitor of one
 * instance, started detached by the create.
 *
 * Each execution is one cycle: the health-check activity (it connects, runs `SELECT version()`
 * and measures the latency itself, records the result and sets the instance's health), the
 * result as JSON custom status, then a race between the interval timer and `InstanceDeleted`
 * (an event, or a message on the queue of that name). The timer wins → continue-as-new (a fresh
 * history every cycle); `InstanceDeleted` wins → the actor completes. It also completes when the
 * check finds the record gone or no longer running.
 *
 * A metadata-store failure never ends it: the cycle reports health `unknown`, waits an interval
 * and continues as new.
 */
import type { OrchestrationContext, Task } from '../../index.js';
import { ACTIVITIES, INSTANCE_DELETED_EVENT } from '../names.js';
import type { ActorStatus, HealthCheckOutput, InstanceActorInput } from '../types.js';

export function* instanceActorV1(
  ctx: OrchestrationContext,
  input: InstanceActorInput,
): Generator<Task, { stopped: string; cycles: number }, any> {
  let status: ActorStatus;
  try {
    const check: HealthCheckOutput = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.healthCheck,
      { recordId: input.recordId },
      { maxAttempts: 3, backoff: { kind: 'exponential', baseMs: 1_000, maxMs: 5_000 }, timeoutMs: 60_000 },
    );
    if (check.action === 'stop') {
      ctx.setCustomStatus(
        JSON.stringify({
          health: 'stopped',
          latencyMs: null,
          serverVersion: null,
          checkedAt: null,
          cycle: input.cycle,
          error: check.reason,
        } satisfies ActorStatus),
      );
      return { stopped: check.reason, cycles: input.cycle };
    }
    status = {
      health: check.status,
      latencyMs: check.latencyMs,
      serverVersion: check.serverVersion,
      checkedAt: check.checkedAt,
      cycle: input.cycle + 1,
      ...(check.error === null ? {} : { error: check.error }),
    };
  } catch (err) {
    ctx.traceWarn(`health check of ${input.name} failed: ${(err as Error).message}; retrying next cycle`);
    status = {
      health: 'unknown',
      latencyMs: null,
      serverVersion: null,
      checkedAt: null,
      cycle: input.cycle + 1,
      error: `health check failed: ${(err as Error).message}`,
    };
  }
  ctx.setCustomStatus(JSON.stringify(status));

  const winner: { index: number } = yield ctx.race(
    ctx.scheduleTimer(input.intervalMs),
    ctx.waitForEvent(INSTANCE_DELETED_EVENT),
    ctx.dequeueEvent(INSTANCE_DELETED_EVENT),
  );
  if (winner.index !== 0) {
    ctx.setCustomStatus(JSON.stringify({ ...status, health: 'stopped', error: 'instance deleted' }));
    return { stopped: INSTANCE_DELETED_EVENT, cycles: input.cycle + 1 };
  }
  return yield ctx.continueAsNew({ ...input, cycle: input.cycle + 1 });
}
