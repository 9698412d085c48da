/**
 * Replay of recorded events: each recorded action event must be what the code emitted next
 * (the rules are in `matching.ts`), and each recorded completion, event or message is delivered
 * to the task tree in history order. Where they disagree, the divergence is kept for reports
 * and a `NondeterminismError` is thrown.
 */
import type { EventKinds, HistoryEvent } from '../../core/history.js';
import type { NondeterminismError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { ActionBuffer } from './actions.js';
import type { CoroutineDriver } from './coroutine.js';
import { ACTION_KINDS, describe, matches } from './matching.js';
import type { EndState } from './termination.js';
import type { CompletionEvent, CompletionKind, TaskTree } from './tree.js';

/** Where replay found the code disagreeing with history. */
export interface Divergence {
  eventId: number;
  recorded: string;
  actual: string;
}

export interface HistoryMatcherDeps {
  actions: ActionBuffer;
  tree: TaskTree;
  driver: CoroutineDriver;
  end: EndState;
  /** Adopts the execution's OrchestrationStarted event and starts the code. */
  begin: (event: EventKinds['OrchestrationStarted']) => void;
  /** Whether an OrchestrationStarted event was already seen. */
  hasStarted: () => boolean;
  nondeterminism: (message: string) => NondeterminismError;
}

export class HistoryMatcher {
  /** Where replay found the code disagreeing with history (set with a nondeterminism failure). */
  divergence: Divergence | null = null;
  /** Set when the code finished while history still had actions to match (tolerated). */
  finishedBefore: { eventId: number; recorded: string } | null = null;

  constructor(private readonly deps: HistoryMatcherDeps) {}

  /** Applies one recorded event. */
  apply(event: HistoryEvent): void {
    const { tree, end } = this.deps;
    switch (event.type) {
      case 'OrchestrationStarted':
        if (this.deps.hasStarted())
          throw this.deps.nondeterminism(`duplicate OrchestrationStarted at event ${event.event_id}`);
        this.deps.begin(event);
        return;
      case 'ActivityScheduled':
      case 'TimerCreated':
      case 'ExternalSubscribed':
      case 'QueueSubscribed':
      case 'SubOrchestrationScheduled':
      case 'OrchestrationChained':
      case 'CustomStatusUpdated':
      case 'KeyValueSet':
      case 'KeyValueCleared':
      case 'KeyValuesCleared':
      case 'ActivityCancelRequested':
      case 'SubOrchestrationCancelRequested':
      case 'ExternalSubscribedCancelled':
      case 'QueueSubscriptionCancelled':
        return this.matchAction(event);
      case 'ActivityCompleted':
      case 'ActivityFailed':
        return this.matchCompletion(event, 'activity');
      case 'TimerFired':
        return this.matchCompletion(event, 'timer');
      case 'SubOrchestrationCompleted':
      case 'SubOrchestrationFailed':
        return this.matchCompletion(event, 'subOrchestration');
      case 'ExternalEvent':
        return tree.deliverExternal(event.name, event.data);
      case 'QueueEventDelivered':
        return tree.deliverQueue(event.name, event.data);
      case 'OrchestrationCancelRequested':
        return end.cancel(event.reason);
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationContinuedAsNew':
        end.halted = true;
        return;
      default:
        return assertNever(event);
    }
  }

  /**
   * After the code finished, actions it emitted on the way out (status, KV, breadcrumbs) are
   * still matched against history, so a live turn does not record them a second time.
   */
  matchAfterFinish(event: HistoryEvent): boolean {
    const { actions, driver, end } = this.deps;
    if (!driver.root.done || end.failure || end.cancelReason !== null || actions.pending.length === 0)
      return false;
    if (ACTION_KINDS.has(event.type)) {
      actions.eventCount = event.event_id;
      this.matchAction(event);
    }
    return true;
  }

  /** The code finished while history still holds actions: tolerated, but worth reporting. */
  noteFinishedBefore(rest: readonly HistoryEvent[]): void {
    const { actions, driver, end } = this.deps;
    if (end.failure || end.cancelReason !== null || !driver.root.done) return;
    const next = rest.find((e) => ACTION_KINDS.has(e.type));
    if (next && actions.pending.length === 0)
      this.finishedBefore = { eventId: next.event_id, recorded: describe(next) };
  }

  private matchCompletion(event: CompletionEvent, completionKind: CompletionKind): void {
    const rec = this.deps.tree.schedule(event.source_event_id ?? -1);
    if (!rec || rec.completed) {
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: 'no open schedule for it',
      };
      throw this.deps.nondeterminism(
        `completion without open schedule: event ${event.event_id} ${event.type} (source ${event.source_event_id})`,
      );
    }
    if (rec.kind !== completionKind) {
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: `a ${rec.kind} at ${event.source_event_id}`,
      };
      throw this.deps.nondeterminism(
        `completion kind mismatch: event ${event.event_id} ${event.type} completes a ${rec.kind} (source ${event.source_event_id})`,
      );
    }
    this.deps.tree.complete(rec, event);
  }

  private matchAction(event: HistoryEvent): void {
    const { actions, driver, end, tree } = this.deps;
    const action = actions.pending.shift();
    if (action === undefined) {
      if (driver.root.done) {
        // The code finished earlier than history: tolerated, the rest is not validated.
        this.finishedBefore = { eventId: event.event_id, recorded: describe(event) };
        end.halted = true;
        return;
      }
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: 'nothing (the code is waiting)',
      };
      throw this.deps.nondeterminism(
        `history schedule but no emitted action: event ${event.event_id} ${describe(event)}`,
      );
    }
    const source = action.cancelOf?.eventId;
    if (!matches(action.body, event) || (action.cancelOf !== undefined && event.source_event_id !== source)) {
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: describe(action.body, source),
      };
      throw this.deps.nondeterminism(
        `schedule mismatch: action=${describe(action.body, source)} vs event=${describe(event)} (event_id ${event.event_id})`,
      );
    }
    if (action.leaf) tree.bind(action.leaf, event);
  }
}
