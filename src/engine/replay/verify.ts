/**
 * Offline replay of a saved history against current code, with no store and no side effects:
 * the check to run before deploying a new version (`durox history replay`).
 */
import { decodePayload, isTerminal } from '../../core/history.js';
import { assertNever } from '../../core/exhaustive.js';
import type { HistoryEvent } from '../../core/history.js';
import { ExecutionState } from './execution.js';
import type { KvValue, OrchestrationHandler } from './execution.js';
import { describe } from './matching.js';
import { errorMessage } from './nodes.js';
import type { StepGuardFactory } from './step-guard.js';

/** The first point where the code and the history disagree. */
export interface Divergence {
  /** event_id of the recorded event where replay diverged. */
  eventId: number;
  /** What history recorded there. */
  recorded: string;
  /** What the code did instead. */
  actual: string;
  message: string;
}

export interface ReplayVerification {
  ok: boolean;
  /** Events in the history that was checked. */
  events: number;
  divergence?: Divergence;
  /** Differences that do not break replay (e.g. a different output for the same steps). */
  warnings: string[];
}

/**
 * Replays one execution's history (as recorded, terminal event included or not) against
 * `handler`. Diverges when an emitted action differs from the recorded one, when history holds
 * steps the code no longer takes, or when the recorded ending cannot be reached by the code.
 * `guard` wraps the code's steps as a runtime would (the public entry, `src/engine/verify-history.ts`,
 * passes the determinism guard).
 */
export function verifyHistory(
  handler: OrchestrationHandler,
  history: readonly HistoryEvent[],
  kvSnapshot?: Record<string, KvValue>,
  guard?: StepGuardFactory,
): ReplayVerification {
  const first = history[0];
  const report: ReplayVerification = { ok: true, events: history.length, warnings: [] };
  const diverge = (d: Divergence): ReplayVerification => ({ ...report, ok: false, divergence: d });
  if (first?.type !== 'OrchestrationStarted') {
    return diverge({
      eventId: first?.event_id ?? 0,
      recorded: first ? first.type : 'no events',
      actual: 'OrchestrationStarted expected first',
      message: 'corrupted history: first event must be OrchestrationStarted',
    });
  }
  const last = history.at(-1)!;
  const terminal = isTerminal(last) ? last : null;
  const exec = new ExecutionState({
    instanceId: first.instance_id,
    executionId: first.execution_id,
    handler,
    ...(kvSnapshot ? { kvSnapshot } : {}),
    ...(guard ? { guard } : {}),
  });
  exec.replay(terminal ? history.slice(0, -1) : history);

  const failure = exec.replayFailure;
  if (failure) {
    const d = exec.divergence;
    return diverge({
      eventId: d?.eventId ?? 0,
      recorded: d?.recorded ?? 'history',
      actual: d?.actual ?? 'replay failed',
      message: failure.message,
    });
  }
  if (exec.finishedBefore) {
    return diverge({
      ...exec.finishedBefore,
      actual: 'the orchestration had already finished',
      message: `code finishes before recorded step ${exec.finishedBefore.eventId} ${exec.finishedBefore.recorded}`,
    });
  }
  if (!terminal) return report;

  const outcome = exec.codeOutcome;
  const recorded = describe(terminal);
  switch (terminal.type) {
    case 'OrchestrationCompleted':
      if (outcome.kind === 'waiting') {
        return diverge({
          eventId: terminal.event_id,
          recorded,
          actual: 'the code is still waiting',
          message: 'history completed but the code does not finish',
        });
      }
      if (outcome.kind === 'returned') {
        if (
          JSON.stringify(outcome.value ?? null) !== JSON.stringify(decodePayload(terminal.output) ?? null)
        ) {
          report.warnings.push(
            `output differs: recorded ${terminal.output}, code returns ${JSON.stringify(outcome.value ?? null)}`,
          );
        }
        return report;
      }
      return diverge({
        eventId: terminal.event_id,
        recorded,
        actual:
          outcome.kind === 'threw'
            ? `the code throws: ${errorMessage(outcome.error)}`
            : 'the code continues as new',
        message: 'history completed but the code ends differently',
      });
    case 'OrchestrationContinuedAsNew':
      if (outcome.kind !== 'continuedAsNew') {
        return diverge({
          eventId: terminal.event_id,
          recorded,
          actual: `the code ${outcome.kind === 'waiting' ? 'is still waiting' : outcome.kind}`,
          message: 'history continued as new but the code does not',
        });
      }
      if (outcome.input !== terminal.input)
        report.warnings.push(
          `continue-as-new input differs: recorded ${terminal.input}, code ${outcome.input}`,
        );
      return report;
    case 'OrchestrationFailed':
      // Cancellation, poison and infrastructure failures are not the code's doing, so any code
      // state is consistent with them; an application failure should still be thrown.
      if (
        terminal.details.category === 'application' &&
        terminal.details.kind === 'OrchestrationFailed' &&
        outcome.kind === 'returned'
      ) {
        report.warnings.push(`history failed with "${terminal.details.message}" but the code now returns`);
      }
      return report;
    default:
      return assertNever(terminal);
  }
}
