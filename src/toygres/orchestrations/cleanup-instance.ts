/**
 * `toygres::cleanup-instance` 1.0.0 (instance id `cleanup-<name>`, a sub-orchestration of a
 * failed create): removes whatever the create deployed and the password. The record keeps its
 * `failed` state and reason.
 */
import type { OrchestrationContext, Task } from '../../index.js';
import { ACTIVITIES } from '../names.js';
import type { DestroyResult } from '../platforms/platform.js';
import type { CleanupInstanceInput } from '../types.js';

export function* cleanupInstanceV1(
  ctx: OrchestrationContext,
  input: CleanupInstanceInput,
): Generator<Task, { removed: string[] }, any> {
  ctx.setCustomStatus('Removing resources');
  const destroyed: DestroyResult = yield ctx.scheduleActivityWithRetry(
    ACTIVITIES.destroy,
    { platform: input.platform, spec: input.spec },
    { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 1_000, maxMs: 15_000 }, timeoutMs: 180_000 },
  );
  yield ctx.scheduleActivityWithRetry(
    ACTIVITIES.finishCleanup,
    { recordId: input.recordId, removed: destroyed.removed },
    { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 500, maxMs: 5_000 }, timeoutMs: 60_000 },
  );
  ctx.setCustomStatus(`Removed: ${destroyed.removed.join(', ') || 'nothing was left'}`);
  return { removed: destroyed.removed };
}
