/**
 * `toygres::create-instance` 1.0.0 (instance id `create-<name>`).
 *
 * reserve the name → deploy → readiness loop (durable timers) → endpoint → test connection →
 * mark running → start the instance actor (detached, `actor-<name>`).
 *
 * On failure after the reservation: the record is marked `failed` with the reason (it stays
 * visible), the resources are removed by the `toygres::cleanup-instance` sub-orchestration
 * (`cleanup-<name>`), and the orchestration fails with the original error.
 *
 * Progress is published as custom status ("Deploying", "Waiting for the server (3/60): Starting",
 * …). Released code: change it only by registering a new version.
 */
import type { OrchestrationContext, RetryPolicyInput, Task } from '../../index.js';
import { ACTIVITIES, instanceIds, ORCHESTRATIONS } from '../names.js';
import type { DeployResult, Endpoint, Readiness } from '../platforms/platform.js';
import type {
  CleanupInstanceInput,
  CreateInstanceInput,
  CreateInstanceOutput,
  InstanceActorInput,
  ReserveOutput,
  TestConnectionOutput,
} from '../types.js';

const STORE_RETRY: RetryPolicyInput = {
  maxAttempts: 5,
  backoff: { kind: 'exponential', baseMs: 500, maxMs: 5_000 },
  timeoutMs: 60_000,
};

export function* createInstanceV1(
  ctx: OrchestrationContext,
  input: CreateInstanceInput,
): Generator<Task, CreateInstanceOutput, any> {
  const { spec, platform, recordId } = input;
  const target = { platform, spec };

  ctx.setCustomStatus('Reserving the name');
  const reserved: ReserveOutput = yield ctx.scheduleActivityWithRetry(
    ACTIVITIES.reserveInstance,
    { ...target, recordId },
    STORE_RETRY,
  );
  if (!reserved.reserved) {
    // Nothing was created and the record belongs to someone else: just fail.
    ctx.setCustomStatus(`Failed: ${reserved.reason}`);
    throw new Error(reserved.reason);
  }

  try {
    ctx.setCustomStatus(`Deploying on ${platform}`);
    const deployed: DeployResult = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.deploy,
      { ...target, recordId },
      { maxAttempts: 3, backoff: { kind: 'exponential', baseMs: 2_000, maxMs: 10_000 }, timeoutMs: 300_000 },
    );
    ctx.traceInfo(`deployed ${spec.name}: ${deployed.resources.join(', ') || 'already there'}`);

    let phase = 'Pending';
    for (let attempt = 1; ; attempt++) {
      ctx.setCustomStatus(`Waiting for the server (${attempt}/${input.readiness.attempts}): ${phase}`);
      const readiness: Readiness = yield ctx.scheduleActivityWithRetry(ACTIVITIES.checkReadiness, target, {
        maxAttempts: 3,
        backoff: { kind: 'fixed', delayMs: 1_000 },
        timeoutMs: 60_000,
      });
      phase = readiness.phase;
      if (readiness.ready) break;
      if (attempt >= input.readiness.attempts) {
        throw new Error(`Timeout: the server is still ${phase} after ${attempt} checks`);
      }
      yield ctx.scheduleTimer(input.readiness.intervalMs);
    }

    ctx.setCustomStatus('Getting the endpoint');
    const endpoint: Endpoint = yield ctx.scheduleActivityWithRetry(ACTIVITIES.getEndpoint, target, {
      maxAttempts: 10,
      backoff: { kind: 'linear', baseMs: 2_000, maxMs: 10_000 },
      timeoutMs: 120_000,
    });

    ctx.setCustomStatus('Testing the connection');
    const tested: TestConnectionOutput = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.testConnection,
      { recordId, host: endpoint.externalIp ?? endpoint.host, port: endpoint.port },
      { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 500, maxMs: 5_000 }, timeoutMs: 60_000 },
    );

    ctx.setCustomStatus('Marking the instance running');
    const actorId = instanceIds.actor(spec.name);
    const marked: { readyInSeconds: number } = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.markRunning,
      { recordId, endpoint, serverVersion: tested.serverVersion, actorOrchestrationId: actorId },
      STORE_RETRY,
    );

    ctx.setCustomStatus('Starting the health monitor');
    const actorInput: InstanceActorInput = {
      name: spec.name,
      recordId,
      intervalMs: input.actorIntervalMs,
      cycle: 0,
    };
    yield ctx.startOrchestration(ORCHESTRATIONS.instanceActor, actorId, actorInput);

    ctx.setCustomStatus(`Running (ready in ${marked.readyInSeconds} s)`);
    return {
      name: spec.name,
      recordId,
      platform,
      host: endpoint.externalIp ?? endpoint.host,
      port: endpoint.port,
      user: 'postgres',
      database: 'postgres',
      serverVersion: tested.serverVersion,
      readyInSeconds: marked.readyInSeconds,
      actorOrchestrationId: actorId,
    };
  } catch (err) {
    const reason = (err as Error).message;
    ctx.traceError(`create of ${spec.name} failed: ${reason}; cleaning up`);
    ctx.setCustomStatus(`Failed: ${reason.slice(0, 200)}`);
    try {
      yield ctx.scheduleActivityWithRetry(ACTIVITIES.markFailed, { recordId, reason }, STORE_RETRY);
    } catch (markErr) {
      ctx.traceError(`could not mark ${spec.name} failed: ${(markErr as Error).message}`);
    }
    try {
      const cleanup: CleanupInstanceInput = { recordId, platform, spec };
      yield ctx.scheduleSubOrchestrationWithId(
        ORCHESTRATIONS.cleanupInstance,
        instanceIds.cleanup(spec.name),
        cleanup,
      );
    } catch (cleanupErr) {
      ctx.traceError(`cleanup of ${spec.name} failed: ${(cleanupErr as Error).message}`);
      yield ctx.scheduleActivity(ACTIVITIES.recordEvent, {
        recordId,
        message: `cleanup after the failed create failed: ${(cleanupErr as Error).message}; run \`durox instance delete ${spec.name}\``,
      });
    }
    throw new Error(reason);
  }
}
