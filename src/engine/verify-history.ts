/**
 * The public `verifyHistory`: the replay core's check (`replay/verify.ts`) with the determinism
 * guard around the code's steps, as a runtime runs them, so code that reads `Date.now()` or
 * `Math.random()` sees the values it saw when the history was recorded.
 */
import type { HistoryEvent } from '../core/history.js';
import { createStepGuard } from './determinism/guard.js';
import type { DeterminismMode } from './determinism/guard.js';
import type { KvValue, OrchestrationHandler } from './replay/execution.js';
import { verifyHistory as verifyReplay } from './replay/verify.js';
import type { ReplayVerification } from './replay/verify.js';

/** Options of {@link verifyHistory}. */
export interface VerifyHistoryOptions {
  /**
   * The determinism guard during the replay, as the runtime option of that name: `guard`
   * (default; silent here), `strict` (a guarded call is a divergence naming it) or `off`.
   */
  determinism?: DeterminismMode;
}

/**
 * Replays one execution's history (as recorded, terminal event included or not) against
 * `handler`, with no store and no side effects. Diverges when an emitted action differs from the
 * recorded one, when history holds steps the code no longer takes, or when the recorded ending
 * cannot be reached by the code; the check to run before deploying a new version.
 */
export function verifyHistory(
  handler: OrchestrationHandler,
  history: readonly HistoryEvent[],
  kvSnapshot?: Record<string, KvValue>,
  options: VerifyHistoryOptions = {},
): ReplayVerification {
  return verifyReplay(handler, history, kvSnapshot, createStepGuard(options.determinism ?? 'guard'));
}
