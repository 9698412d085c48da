/**
 * The inbox of a live turn: incoming messages (completions, external events, queue messages,
 * cancellation) become history events as they are applied, and are delivered to the task tree.
 */
import type { OrchestratorWorkItem } from '../../core/history.js';
import type { NondeterminismError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { ActionBuffer } from './actions.js';
import type { Mailboxes } from './mailboxes.js';
import type { EventBody } from './matching.js';
import type { EndState } from './termination.js';
import type { CompletionEvent, CompletionKind, TaskTree } from './tree.js';

type CompletionItem = Extract<
  OrchestratorWorkItem,
  { type: 'ActivityCompleted' | 'ActivityFailed' | 'TimerFired' | 'SubOrchCompleted' | 'SubOrchFailed' }
>;

/** The completion event a completion message records. */
function completionBody(m: CompletionItem): EventBody {
  switch (m.type) {
    case 'ActivityCompleted':
      return { type: 'ActivityCompleted', result: m.result };
    case 'ActivityFailed':
      return { type: 'ActivityFailed', details: m.details };
    case 'TimerFired':
      return { type: 'TimerFired', fire_at_ms: m.fire_at_ms };
    case 'SubOrchCompleted':
      return { type: 'SubOrchestrationCompleted', result: m.result };
    case 'SubOrchFailed':
      return { type: 'SubOrchestrationFailed', details: m.details };
    default:
      return assertNever(m);
  }
}

export class Inbox {
  constructor(
    private readonly executionId: number,
    private readonly actions: ActionBuffer,
    private readonly tree: TaskTree,
    private readonly mailboxes: Mailboxes,
    private readonly end: EndState,
    private readonly nondeterminism: (message: string) => NondeterminismError,
  ) {}

  /** Applies one incoming message: records it and delivers it. */
  apply(message: OrchestratorWorkItem): void {
    switch (message.type) {
      case 'ActivityCompleted':
      case 'ActivityFailed':
        return this.applyCompletion(message, 'activity');
      case 'TimerFired':
        return this.applyCompletion(message, 'timer');
      case 'SubOrchCompleted':
      case 'SubOrchFailed':
        return this.applyCompletion(message, 'subOrchestration');
      case 'ExternalRaised':
        this.actions.append({
          type: 'ExternalEvent',
          name: message.name,
          data: message.data,
          ...(message.trace === undefined ? {} : { trace: message.trace }),
        });
        return this.tree.deliverExternal(message.name, message.data);
      case 'QueueMessage':
        this.actions.append({
          type: 'QueueEventDelivered',
          name: message.name,
          data: message.data,
          ...(message.trace === undefined ? {} : { trace: message.trace }),
        });
        return this.tree.deliverQueue(message.name, message.data);
      case 'CancelInstance':
        if (this.end.cancelReason !== null) return;
        this.actions.append({
          type: 'OrchestrationCancelRequested',
          reason: message.reason,
          ...(message.trace === undefined ? {} : { trace: message.trace }),
        });
        this.end.cancel(message.reason);
        return;
      case 'StartOrchestration':
      case 'ContinueAsNew':
        // Handled by the runtime before the turn.
        return;
      default:
        return assertNever(message);
    }
  }

  /**
   * Continue-as-new ends the code but not the instance, and the runtime acks the whole batch: a
   * queue message later in the batch is recorded so it carries forward, and a cancel request is
   * recorded so it takes precedence (also over a value the code returned in this batch, as
   * duroxide stages the whole batch before the code runs). Everything else after the halt is
   * dropped.
   */
  applyAfterContinueAsNew(message: OrchestratorWorkItem): void {
    if (this.end.failure !== null || this.end.cancelReason !== null) return;
    if (message.type === 'CancelInstance') return this.apply(message);
    if (this.end.continueAsNew === null) return;
    if (message.type === 'QueueMessage') {
      this.actions.append({ type: 'QueueEventDelivered', name: message.name, data: message.data });
      this.mailboxes.bufferQueue(message.name, message.data);
    }
  }

  private applyCompletion(m: CompletionItem, kind: CompletionKind): void {
    if (m.execution_id !== this.executionId) return; // for another execution: dropped
    const rec = this.tree.schedule(m.id);
    if (!rec) {
      const what = kind === 'activity' ? 'completion' : kind === 'timer' ? 'timer' : 'sub-orchestration';
      throw this.nondeterminism(`no matching schedule for ${what} id=${m.id}`);
    }
    if (rec.kind !== kind) {
      throw this.nondeterminism(
        `completion kind mismatch for id=${m.id}, expected '${rec.kind}', got '${kind}'`,
      );
    }
    if (rec.completed) return; // duplicate delivery
    this.tree.complete(rec, this.actions.append(completionBody(m), m.id) as CompletionEvent);
  }
}
