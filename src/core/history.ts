/**
 * The history model: the events an execution records and the work items that travel between
 * dispatchers. Both are plain JSON values; field names are duroxide's (snake_case) so that
 * stored histories read the same in every tool.
 *
 * Payloads (`input`, `result`, `output`, `data`) are strings holding JSON text: the engine
 * encodes user values once at the edge and never re-interprets them.
 */
import type { ErrorDetails } from './failure.js';

/** Version of durox that wrote an event (recorded in every event for audits and upgrades). */
export const DUROX_VERSION = '0.1.0';

/** Fields every event carries. */
export interface EventEnvelope {
  /** 1-based position within its execution; assigned by the engine, never by a provider. */
  event_id: number;
  /** For completions and cancellation breadcrumbs: the event_id of the scheduling event. */
  source_event_id?: number;
  instance_id: string;
  execution_id: number;
  /** Wall-clock time of the turn that created the event (epoch ms). */
  timestamp_ms: number;
  durox_version?: string;
}

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) recorded with an event or a message,
 * so that the spans of one orchestration tree join one trace across processes, restarts and
 * days. Present only when the span that scheduled the work was recording (an OpenTelemetry SDK
 * was registered and sampled it); histories without it replay the same.
 */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
  traceparent: string;
  /** Vendor trace state, when the span had one. */
  tracestate?: string;
}

/** Every event kind, with its own fields. The `type` tag is the kind name. */
export interface EventKinds {
  OrchestrationStarted: {
    name: string;
    version: string;
    input: string;
    parent_instance?: string;
    parent_id?: number;
    parent_execution_id?: number;
    /** Undelivered queue messages carried over by continue-as-new, as `[queue, data]` pairs. */
    carry_forward_events?: [string, string][];
    initial_custom_status?: string | null;
    /** Trace context of the span that started the instance; every turn span is its child. */
    trace?: TraceContext;
  };
  OrchestrationCompleted: { output: string };
  OrchestrationFailed: { details: ErrorDetails };
  OrchestrationContinuedAsNew: { input: string };
  OrchestrationCancelRequested: {
    reason: string;
    /** Context of the cancelling client's span. */ trace?: TraceContext;
  };
  ActivityScheduled: {
    name: string;
    input: string;
    session_id?: string;
    tag?: string;
    /** Trace context of the turn that scheduled it: the parent of every attempt's span. */
    trace?: TraceContext;
  };
  ActivityCompleted: { result: string };
  ActivityFailed: { details: ErrorDetails };
  ActivityCancelRequested: { reason: string };
  TimerCreated: { fire_at_ms: number };
  TimerFired: { fire_at_ms: number };
  ExternalSubscribed: { name: string };
  ExternalEvent: {
    name: string;
    data: string;
    /** Context of the raising client's span. */ trace?: TraceContext;
  };
  ExternalSubscribedCancelled: { reason: string };
  QueueSubscribed: { name: string };
  QueueEventDelivered: {
    name: string;
    data: string;
    /** Context of the enqueuing client's span. */ trace?: TraceContext;
  };
  QueueSubscriptionCancelled: { reason: string };
  SubOrchestrationScheduled: {
    name: string;
    instance: string;
    input: string;
    version?: string;
    /** Context of the `StartChildOrchestration` span: the parent of the child's turn spans. */
    trace?: TraceContext;
  };
  SubOrchestrationCompleted: { result: string };
  SubOrchestrationFailed: { details: ErrorDetails };
  SubOrchestrationCancelRequested: { reason: string };
  OrchestrationChained: {
    name: string;
    instance: string;
    input: string;
    version?: string;
    /** Context of the `StartDetachedOrchestration` span: the parent of the new instance's turns. */
    trace?: TraceContext;
  };
  CustomStatusUpdated: { status: string | null };
  KeyValueSet: { key: string; value: string; last_updated_at_ms: number };
  KeyValueCleared: { key: string };
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  KeyValuesCleared: {};
}

/** The name of an event kind (`OrchestrationStarted`, `ActivityCompleted` …). */
export type EventKind = keyof EventKinds;

/** One history event of kind `K`. */
export type EventOf<K extends EventKind> = EventEnvelope & { type: K } & EventKinds[K];

/** Any history event. */
export type HistoryEvent = { [K in EventKind]: EventOf<K> }[EventKind];

/** Kinds that end an execution; always the last event. */
export const TERMINAL_KINDS: ReadonlySet<EventKind> = new Set([
  'OrchestrationCompleted',
  'OrchestrationFailed',
  'OrchestrationContinuedAsNew',
]);

/** An event of a terminal kind. */
export type TerminalEvent = Extract<
  HistoryEvent,
  { type: 'OrchestrationCompleted' | 'OrchestrationFailed' | 'OrchestrationContinuedAsNew' }
>;

export function isTerminal(event: HistoryEvent | undefined): event is TerminalEvent {
  return event !== undefined && TERMINAL_KINDS.has(event.type);
}

// ---------------------------------------------------------------------------------------------
// Work items. Every orchestrator item names its target instance in `instance`.

/** Starts an instance (or a sub-orchestration, with the `parent_*` fields). */
export interface StartOrchestrationItem {
  type: 'StartOrchestration';
  instance: string;
  orchestration: string;
  input: string;
  /** Exact version to run; absent means the registry's latest. */
  version?: string;
  parent_instance?: string;
  parent_id?: number;
  parent_execution_id?: number;
  execution_id: number;
  /** Context of the starting span (client or parent orchestration), recorded in OrchestrationStarted. */
  trace?: TraceContext;
}

/** An activity's result, addressed to the execution that scheduled it (`id` = scheduling event id). */
export interface ActivityCompletedItem {
  type: 'ActivityCompleted';
  instance: string;
  execution_id: number;
  id: number;
  result: string;
}

/** An activity's failure, addressed to the execution that scheduled it. */
export interface ActivityFailedItem {
  type: 'ActivityFailed';
  instance: string;
  execution_id: number;
  id: number;
  details: ErrorDetails;
}

/** A durable timer firing; enqueued with its fire time as visibility time. */
export interface TimerFiredItem {
  type: 'TimerFired';
  instance: string;
  execution_id: number;
  id: number;
  fire_at_ms: number;
}

/** An external event raised on the instance by a client. */
export interface ExternalRaisedItem {
  type: 'ExternalRaised';
  instance: string;
  name: string;
  data: string;
  /** Context of the raising client's span, recorded in the ExternalEvent. */
  trace?: TraceContext;
}

/** A message for one of the instance's named queues (`dequeueEvent`). */
export interface QueueMessageItem {
  type: 'QueueMessage';
  instance: string;
  name: string;
  data: string;
  /** Context of the enqueuing client's span, recorded in the QueueEventDelivered. */
  trace?: TraceContext;
}

/** A child's completion, addressed to the parent execution that scheduled it. */
export interface SubOrchCompletedItem {
  type: 'SubOrchCompleted';
  instance: string;
  execution_id: number;
  id: number;
  child_instance: string;
  result: string;
}

/** A child's failure, addressed to the parent execution that scheduled it. */
export interface SubOrchFailedItem {
  type: 'SubOrchFailed';
  instance: string;
  execution_id: number;
  id: number;
  child_instance: string;
  details: ErrorDetails;
}

/** Asks the instance (and its children) to cancel. */
export interface CancelInstanceItem {
  type: 'CancelInstance';
  instance: string;
  reason: string;
  /** Context of the cancelling client's span, recorded in the OrchestrationCancelRequested. */
  trace?: TraceContext;
}

/** Starts the next execution of an instance that continued as new. */
export interface ContinueAsNewItem {
  type: 'ContinueAsNew';
  instance: string;
  orchestration: string;
  input: string;
  version?: string;
  carry_forward_events: [string, string][];
  initial_custom_status?: string | null;
  parent_instance?: string;
  parent_id?: number;
  parent_execution_id?: number;
  /** The instance's trace context, carried into the next execution's OrchestrationStarted. */
  trace?: TraceContext;
}

/** Messages for the orchestrator queue. */
export type OrchestratorWorkItem =
  | StartOrchestrationItem
  | ActivityCompletedItem
  | ActivityFailedItem
  | TimerFiredItem
  | ExternalRaisedItem
  | QueueMessageItem
  | SubOrchCompletedItem
  | SubOrchFailedItem
  | CancelInstanceItem
  | ContinueAsNewItem;

/** The one message of the worker queue: run an activity. */
export interface ActivityExecuteItem {
  type: 'ActivityExecute';
  instance: string;
  execution_id: number;
  /** event_id of the ActivityScheduled event. */
  id: number;
  name: string;
  input: string;
  session_id?: string;
  tag?: string;
  /** Name and version of the orchestration that scheduled it (for the activity context). */
  orchestration_name?: string;
  orchestration_version?: string;
  /** The ActivityScheduled event's trace context: the parent of the attempt's span. */
  trace?: TraceContext;
}

/** Encodes a user value as the JSON text stored in history (`undefined` becomes `null`). */
export function encodePayload(value: unknown): string {
  const json = JSON.stringify(value === undefined ? null : value);
  return json === undefined ? 'null' : json;
}

/** Decodes stored JSON text; text that is not JSON is returned as the raw string. */
export function decodePayload(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
