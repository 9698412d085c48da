/**
 * How an execution ends: completed (the root returned), failed (it threw, a non-catchable
 * failure, nondeterminism, a limit, a cancellation) or continued as new — and the terminal
 * event that records it.
 */
import { encodePayload } from '../../core/history.js';
import { toApplicationFailure } from '../../core/failure.js';
import type { ErrorDetails } from '../../core/failure.js';
import { isDuroxError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { EventBody } from './matching.js';
import { errorMessage } from './nodes.js';
import type { LeafNode, Outcome } from './nodes.js';

/** How the execution stands after a turn. */
export type ExecutionOutcome =
  | { status: 'Running' }
  | { status: 'Completed'; output: string }
  /** `dispatch: false` when the turn's new work must not be sent (nondeterminism, limits, aborts). */
  | { status: 'Failed'; details: ErrorDetails; dispatch: boolean }
  | { status: 'ContinuedAsNew'; input: string; version?: string; carryForward: [string, string][] };

/** Queue messages beyond this are dropped by continue-as-new. */
export const MAX_CARRY_FORWARD_EVENTS = 20;

/** What ends (or has ended) the execution; read by every part that must stop running code. */
export class EndState {
  rootOutcome: Outcome | null = null;
  continueAsNew: { input: string; version?: string } | null = null;
  cancelReason: string | null = null;
  failure: { details: ErrorDetails; duringReplay: boolean } | null = null;
  /** Set when nothing more may run: root finished, failure, cancellation or continue-as-new. */
  halted = false;
  /** Set once the terminal event has been recorded. */
  ended = false;

  /** The execution fails with `details` (not catchable by the code). */
  fail(details: ErrorDetails, duringReplay: boolean): void {
    this.failure = { details, duringReplay };
    this.halted = true;
  }

  cancel(reason: string): void {
    this.cancelReason = reason;
    this.halted = true;
  }

  /** A thrown error that aborts the turn: nondeterminism, or an engine (infrastructure) fault. */
  recordFailure(err: unknown, duringReplay: boolean, orchestrationName: string): void {
    if (isDuroxError(err, 'NONDETERMINISM')) {
      this.failure = {
        details: {
          category: 'configuration',
          kind: 'Nondeterminism',
          resource: orchestrationName,
          message: err.message,
        },
        duringReplay,
      };
    } else {
      this.failure = {
        details: {
          category: 'infrastructure',
          operation: 'replay',
          message: errorMessage(err),
          retryable: false,
        },
        duringReplay,
      };
    }
    this.halted = true;
  }

  /**
   * The outcome of the turn, in precedence order: failure (else a limit `violation`),
   * cancellation, continue-as-new, the root's result; Running when none applies.
   */
  outcome(violation: () => ErrorDetails | null, carryForward: () => [string, string][]): ExecutionOutcome {
    if (!this.failure) {
      const details = violation();
      if (details) this.failure = { details, duringReplay: false };
    }
    if (this.failure) return { status: 'Failed', details: this.failure.details, dispatch: false };
    if (this.cancelReason !== null) {
      return {
        status: 'Failed',
        details: {
          category: 'application',
          kind: 'Cancelled',
          reason: this.cancelReason,
          message: `canceled: ${this.cancelReason}`,
          retryable: false,
        },
        dispatch: true,
      };
    }
    if (this.continueAsNew) {
      return { status: 'ContinuedAsNew', ...this.continueAsNew, carryForward: carryForward() };
    }
    if (this.rootOutcome) return completedOutcome(this.rootOutcome);
    return { status: 'Running' };
  }

  /** Why an operation still open at the end is cancelled (its breadcrumb's reason). */
  terminalReason(leaf: LeafNode, outcome: ExecutionOutcome): string {
    const suffix =
      outcome.status === 'Completed'
        ? 'completed'
        : outcome.status === 'Failed'
          ? 'failed'
          : 'continued_as_new';
    return leaf.kind === 'activity'
      ? `orchestration_terminal_${suffix}`
      : leaf.kind === 'subOrchestration'
        ? this.cancelReason !== null
          ? 'parent canceled'
          : 'parent terminated'
        : 'orchestration_terminal';
  }
}

function completedOutcome(result: Outcome): ExecutionOutcome {
  if (result.ok) {
    try {
      return { status: 'Completed', output: encodePayload(result.value) };
    } catch (err) {
      const error = new TypeError(`orchestration output cannot be stored as JSON: ${errorMessage(err)}`);
      return {
        status: 'Failed',
        details: toApplicationFailure(error, 'OrchestrationFailed'),
        dispatch: true,
      };
    }
  }
  return {
    status: 'Failed',
    details: toApplicationFailure(result.error, 'OrchestrationFailed'),
    dispatch: true,
  };
}

/** The event that records a final outcome (none while Running). */
export function terminalEvent(outcome: ExecutionOutcome): EventBody | null {
  switch (outcome.status) {
    case 'Completed':
      return { type: 'OrchestrationCompleted', output: outcome.output };
    case 'Failed':
      return { type: 'OrchestrationFailed', details: outcome.details };
    case 'ContinuedAsNew':
      return { type: 'OrchestrationContinuedAsNew', input: outcome.input };
    case 'Running':
      return null;
    default:
      return assertNever(outcome);
  }
}
