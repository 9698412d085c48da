/**
 * What a turn emits: the action buffer and the events recorded from it.
 *
 * While replaying, actions the code emits wait in `pending` to be matched against the next
 * recorded action events; in a live turn they are recorded at once, so history keeps the true
 * causal order. Every event gets the next `event_id`, the execution's envelope and the turn's
 * time.
 */
import { DUROX_VERSION } from '../../core/history.js';
import type { HistoryEvent } from '../../core/history.js';
import { IllegalStateError } from '../../core/errors.js';
import type { EventBody } from './matching.js';
import type { LeafNode, PendingAction } from './nodes.js';

/** Called when a leaf's schedule event is recorded (live) or matched (replay). */
export type BindLeaf = (leaf: LeafNode, event: HistoryEvent) => void;

/** The action buffer of one execution, and the clock and GUIDs of the turn it runs in. */
export class ActionBuffer {
  /** Events recorded so far (persisted + this turn); the next event_id is this + 1. */
  eventCount = 0;
  /** Events recorded this turn, in order. */
  delta: HistoryEvent[] = [];
  /** False while replaying recorded history, true in a live turn. */
  live = false;
  /** Time of the turn (live) or of the event being replayed (epoch ms). */
  now = 0;
  newGuid: () => string = () => {
    throw new IllegalStateError('newGuid is only available during a live turn');
  };
  /** Actions emitted while replaying, not yet matched against history. */
  readonly pending: PendingAction[] = [];

  constructor(
    private readonly instanceId: string,
    private readonly executionId: number,
    private readonly bind: BindLeaf,
  ) {}

  /** Records an event now, with the next event_id. */
  append(body: EventBody, sourceEventId?: number): HistoryEvent {
    this.eventCount += 1;
    if (body.type === 'SubOrchestrationScheduled' && body.instance === '') {
      body = { ...body, instance: `${this.instanceId}::sub::${this.eventCount}` };
    }
    const event = {
      event_id: this.eventCount,
      ...(sourceEventId === undefined ? {} : { source_event_id: sourceEventId }),
      instance_id: this.instanceId,
      execution_id: this.executionId,
      timestamp_ms: this.now,
      durox_version: DUROX_VERSION,
      ...body,
    } as HistoryEvent;
    this.delta.push(event);
    return event;
  }

  /** An action of the code: recorded in a live turn, kept for matching while replaying. */
  emit(action: PendingAction): void {
    if (this.live) this.record(action);
    else this.pending.push(action);
  }

  /** Records an action and binds its leaf to the new event. */
  record(action: PendingAction): void {
    const event = this.append(action.body, action.cancelOf?.eventId);
    if (action.leaf) this.bind(action.leaf, event);
  }

  /** Records the actions emitted during replay beyond recorded history. */
  recordPending(): void {
    for (const action of this.pending.splice(0)) this.record(action);
  }
}
