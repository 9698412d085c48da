/**
 * History events as `client.readExecutionHistory()` reports them: duroxide-node's `JsEvent`
 * shape, whose `data` is JSON text holding the event's fields with payloads embedded as JSON
 * values (`{"name":"H","version":"1.0.0","input":{"greeting":"hello"}}`), a completion's result
 * or output as the value itself, and a failure as its error details.
 *
 * duroxide-node gives no `data` for cancellation breadcrumbs, continue-as-new, detached starts,
 * custom status and KV events; durox gives their fields too (in the same style), and extra
 * fields duroxide-node leaves out (parent, session, tag, version) after the ones it has.
 */
import { assertNever } from '../core/exhaustive.js';
import type { HistoryEvent } from '../core/history.js';

/** A history event as `client.readExecutionHistory` reports it (duroxide-node's shape). */
export interface HistoryEventView {
  eventId: number;
  /** The event kind, e.g. `ActivityScheduled`. */
  kind: string;
  sourceEventId?: number;
  timestampMs: number;
  /**
   * Kind-specific content as JSON text (see docs/guide.md, "Reading history"): the event's
   * fields with payloads as JSON values, or for completions the result value itself.
   */
  data?: string;
}

/** A stored payload (JSON text) as the JSON value it holds; text that is not JSON stays a string. */
function payload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A stored payload as valid JSON text: itself when it is JSON, else a JSON string. */
function payloadText(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

// Absent optional fields are undefined, which JSON.stringify leaves out.
function eventData(event: HistoryEvent): string | undefined {
  switch (event.type) {
    case 'OrchestrationStarted':
      return JSON.stringify({
        name: event.name,
        version: event.version,
        input: payload(event.input),
        parentInstance: event.parent_instance,
        parentId: event.parent_id,
        parentExecutionId: event.parent_execution_id,
        carryForwardEvents: event.carry_forward_events?.map(([name, data]) => ({
          name,
          data: payload(data),
        })),
        initialCustomStatus: event.initial_custom_status,
      });
    case 'OrchestrationCompleted':
      return payloadText(event.output);
    case 'ActivityCompleted':
    case 'SubOrchestrationCompleted':
      return payloadText(event.result);
    case 'OrchestrationFailed':
    case 'ActivityFailed':
    case 'SubOrchestrationFailed':
      return JSON.stringify(event.details);
    case 'OrchestrationContinuedAsNew':
      return JSON.stringify({ input: payload(event.input) });
    case 'ActivityScheduled':
      return JSON.stringify({
        name: event.name,
        input: payload(event.input),
        sessionId: event.session_id,
        tag: event.tag,
      });
    case 'TimerCreated':
    case 'TimerFired':
      return JSON.stringify({ fireAtMs: event.fire_at_ms });
    case 'ExternalSubscribed':
    case 'QueueSubscribed':
      return JSON.stringify({ name: event.name });
    case 'ExternalEvent':
    case 'QueueEventDelivered':
      return JSON.stringify({ name: event.name, data: payload(event.data) });
    case 'SubOrchestrationScheduled':
    case 'OrchestrationChained':
      return JSON.stringify({
        name: event.name,
        instance: event.instance,
        input: payload(event.input),
        version: event.version,
      });
    case 'OrchestrationCancelRequested':
    case 'ActivityCancelRequested':
    case 'ExternalSubscribedCancelled':
    case 'QueueSubscriptionCancelled':
    case 'SubOrchestrationCancelRequested':
      return JSON.stringify({ reason: event.reason });
    // Custom status and KV values are the user's strings, not JSON payloads.
    case 'CustomStatusUpdated':
      return JSON.stringify({ status: event.status });
    case 'KeyValueSet':
      return JSON.stringify({
        key: event.key,
        value: event.value,
        lastUpdatedAtMs: event.last_updated_at_ms,
      });
    case 'KeyValueCleared':
      return JSON.stringify({ key: event.key });
    case 'KeyValuesCleared':
      return undefined;
    default:
      return assertNever(event);
  }
}

/** The readable form of a history event. */
export function toEventView(event: HistoryEvent): HistoryEventView {
  const view: HistoryEventView = {
    eventId: event.event_id,
    kind: event.type,
    timestampMs: event.timestamp_ms,
  };
  if (event.source_event_id !== undefined) view.sourceEventId = event.source_event_id;
  const data = eventData(event);
  if (data !== undefined) view.data = data;
  return view;
}
