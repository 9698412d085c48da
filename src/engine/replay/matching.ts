/**
 * Matching of emitted actions against recorded history events (the nondeterminism rules).
 *
 * Only what changes behaviour is compared: activity name, input, session and tag; event and
 * queue names; sub-orchestration name and input; detached target; KV key and value. Timer
 * durations, custom status text and cancellation reasons may change between code versions.
 */
import type { EventKind, EventKinds, HistoryEvent } from '../../core/history.js';
import { assertNever } from '../../core/exhaustive.js';

/** An event without its envelope: what an action will record. */
export type EventBody = { [K in EventKind]: { type: K } & EventKinds[K] }[EventKind];

/** Event kinds produced by actions (matched positionally on replay). */
export const ACTION_KINDS: ReadonlySet<EventKind> = new Set<EventKind>([
  'ActivityScheduled',
  'TimerCreated',
  'ExternalSubscribed',
  'QueueSubscribed',
  'SubOrchestrationScheduled',
  'OrchestrationChained',
  'CustomStatusUpdated',
  'KeyValueSet',
  'KeyValueCleared',
  'KeyValuesCleared',
  'ActivityCancelRequested',
  'SubOrchestrationCancelRequested',
  'ExternalSubscribedCancelled',
  'QueueSubscriptionCancelled',
]);

function clip(text: string | undefined, max = 80): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A short description of an event body for error messages. */
export function describe(body: EventBody | HistoryEvent, sourceEventId?: number): string {
  switch (body.type) {
    case 'ActivityScheduled': {
      const extra = [
        body.session_id !== undefined ? `session=${JSON.stringify(body.session_id)}` : '',
        body.tag !== undefined ? `tag=${JSON.stringify(body.tag)}` : '',
      ].filter(Boolean);
      return `ActivityScheduled(name=${JSON.stringify(body.name)}, input=${clip(body.input)}${extra.length ? `, ${extra.join(', ')}` : ''})`;
    }
    case 'ExternalSubscribed':
    case 'QueueSubscribed':
      return `${body.type}(name=${JSON.stringify(body.name)})`;
    case 'SubOrchestrationScheduled':
      return `SubOrchestrationScheduled(name=${JSON.stringify(body.name)}, input=${clip(body.input)})`;
    case 'OrchestrationChained':
      return `OrchestrationChained(name=${JSON.stringify(body.name)}, instance=${JSON.stringify(body.instance)}, input=${clip(body.input)})`;
    case 'KeyValueSet':
      return `KeyValueSet(key=${JSON.stringify(body.key)}, value=${clip(JSON.stringify(body.value))})`;
    case 'KeyValueCleared':
      return `KeyValueCleared(key=${JSON.stringify(body.key)})`;
    case 'ActivityCancelRequested':
    case 'SubOrchestrationCancelRequested':
    case 'ExternalSubscribedCancelled':
    case 'QueueSubscriptionCancelled':
      return `${body.type}(source=${sourceEventId ?? ('source_event_id' in body ? body.source_event_id : '?')})`;
    case 'OrchestrationStarted':
    case 'OrchestrationCompleted':
    case 'OrchestrationFailed':
    case 'OrchestrationContinuedAsNew':
    case 'OrchestrationCancelRequested':
    case 'ActivityCompleted':
    case 'ActivityFailed':
    case 'TimerCreated':
    case 'TimerFired':
    case 'ExternalEvent':
    case 'QueueEventDelivered':
    case 'SubOrchestrationCompleted':
    case 'SubOrchestrationFailed':
    case 'CustomStatusUpdated':
    case 'KeyValuesCleared':
      return body.type;
    default:
      return assertNever(body);
  }
}

/** True when the recorded event is what the action would have recorded. */
export function matches(action: EventBody, event: HistoryEvent): boolean {
  if (action.type !== event.type) return false;
  switch (action.type) {
    case 'ActivityScheduled': {
      const e = event as typeof action;
      return (
        e.name === action.name &&
        e.input === action.input &&
        e.session_id === action.session_id &&
        e.tag === action.tag
      );
    }
    case 'ExternalSubscribed':
    case 'QueueSubscribed':
      return (event as typeof action).name === action.name;
    case 'SubOrchestrationScheduled': {
      const e = event as typeof action;
      return e.name === action.name && e.input === action.input;
    }
    case 'OrchestrationChained': {
      const e = event as typeof action;
      return e.name === action.name && e.instance === action.instance && e.input === action.input;
    }
    case 'KeyValueSet': {
      const e = event as typeof action;
      return e.key === action.key && e.value === action.value;
    }
    case 'KeyValueCleared':
      return (event as typeof action).key === action.key;
    // Timers, custom status, clear-all and cancellation breadcrumbs match by kind (breadcrumb
    // sources are checked by the caller); the other kinds are never actions.
    case 'TimerCreated':
    case 'CustomStatusUpdated':
    case 'KeyValuesCleared':
    case 'ActivityCancelRequested':
    case 'SubOrchestrationCancelRequested':
    case 'ExternalSubscribedCancelled':
    case 'QueueSubscriptionCancelled':
    case 'OrchestrationStarted':
    case 'OrchestrationCompleted':
    case 'OrchestrationFailed':
    case 'OrchestrationContinuedAsNew':
    case 'OrchestrationCancelRequested':
    case 'ActivityCompleted':
    case 'ActivityFailed':
    case 'TimerFired':
    case 'ExternalEvent':
    case 'QueueEventDelivered':
    case 'SubOrchestrationCompleted':
    case 'SubOrchestrationFailed':
      return true;
    default:
      return assertNever(action);
  }
}
