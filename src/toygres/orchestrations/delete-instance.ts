/**
 * `toygres::delete-instance` 1.0.0 (instance id `delete-<name>`).
 *
 * mark deleting → signal the actor (`InstanceDeleted`) first, so that it stops checking a server
 * that is going away → remove every resource (idempotent; a partial deploy is cleaned too) →
 * mark deleted and drop the password.
 *
 * When removing the resources fails after its retries, the record stays `deleting` with the
 * reason as an event and the orchestration fails; `durox instance delete <name>` starts it again.
 */
import type { OrchestrationContext, RetryPolicyInput, Task } from '../../index.js';
import { ACTIVITIES } from '../names.js';
import type { DestroyResult } from '../platforms/platform.js';
import type { BeginDeleteOutput, DeleteInstanceInput, DeleteInstanceOutput } from '../types.js';

const STORE_RETRY: RetryPolicyInput = {
  maxAttempts: 5,
  backoff: { kind: 'exponential', baseMs: 500, maxMs: 5_000 },
  timeoutMs: 60_000,
};

export function* deleteInstanceV1(
  ctx: OrchestrationContext,
  input: DeleteInstanceInput,
): Generator<Task, DeleteInstanceOutput, any> {
  ctx.setCustomStatus('Marking the instance deleting');
  const begun: BeginDeleteOutput = yield ctx.scheduleActivityWithRetry(
    ACTIVITIES.beginDelete,
    { name: input.name },
    STORE_RETRY,
  );
  if (!begun.found) {
    ctx.setCustomStatus('Not found');
    return { name: input.name, recordId: null, deleted: false, removed: [], actorSignalled: false };
  }
  if (begun.refused !== undefined) {
    ctx.setCustomStatus(`Refused: ${begun.refused}`);
    throw new Error(begun.refused);
  }
  if (begun.state === 'deleted') {
    ctx.setCustomStatus('Already deleted');
    return { name: input.name, recordId: begun.recordId, deleted: false, removed: [], actorSignalled: false };
  }

  let actorSignalled = false;
  if (begun.actorOrchestrationId !== null) {
    ctx.setCustomStatus('Stopping the health monitor');
    try {
      const signal: { sent: boolean } = yield ctx.scheduleActivityWithRetry(
        ACTIVITIES.signalActor,
        { actorId: begun.actorOrchestrationId },
        STORE_RETRY,
      );
      actorSignalled = signal.sent;
    } catch (err) {
      // The actor also stops on its own once it sees the record is no longer running.
      ctx.traceWarn(`could not signal ${begun.actorOrchestrationId}: ${(err as Error).message}`);
    }
  }

  ctx.setCustomStatus(`Removing resources on ${begun.platform}`);
  let destroyed: DestroyResult;
  try {
    destroyed = yield ctx.scheduleActivityWithRetry(
      ACTIVITIES.destroy,
      { platform: begun.platform, spec: begun.spec },
      { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 1_000, maxMs: 15_000 }, timeoutMs: 180_000 },
    );
  } catch (err) {
    const reason = (err as Error).message;
    ctx.setCustomStatus(`Failed: ${reason.slice(0, 200)}`);
    yield ctx.scheduleActivity(ACTIVITIES.recordEvent, {
      recordId: begun.recordId,
      message: `removing the resources failed: ${reason}; run \`durox instance delete ${input.name}\` to retry`,
    });
    throw new Error(reason);
  }

  ctx.setCustomStatus('Marking the instance deleted');
  yield ctx.scheduleActivityWithRetry(
    ACTIVITIES.finishDelete,
    { recordId: begun.recordId, removed: destroyed.removed },
    STORE_RETRY,
  );
  ctx.setCustomStatus(`Deleted (removed: ${destroyed.removed.join(', ') || 'nothing was left'})`);
  return {
    name: input.name,
    recordId: begun.recordId,
    deleted: true,
    removed: destroyed.removed,
    actorSignalled,
  };
}
