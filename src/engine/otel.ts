/**
 * OpenTelemetry spans through `@opentelemetry/api` only (the library never loads an SDK): the
 * tracer `durox`, a check whether any SDK is registered (so that, without one, no context is
 * serialised and nothing is recorded in history), and the W3C `traceparent` form of span
 * contexts stored with events (docs/observability.md).
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { ActivityExecuteItem, TraceContext } from '../core/history.js';

/** The instrumentation scope of every durox span. */
export const TRACER_NAME = 'durox';

/**
 * Where `@opentelemetry/api` (major version 1) keeps what an SDK registers, shared by every copy
 * of the API in the process. Reading it tells whether any provider is registered without loading
 * the API module, which durox then loads only when tracing is on (it costs process start time).
 */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

let loaded: typeof OtelApi | null = null;
let noopProvider: OtelApi.TracerProvider | null = null;

/** The `@opentelemetry/api` module, loaded on first use. */
export function otelApi(): typeof OtelApi {
  if (loaded === null) {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
    // The delegate a proxy provider has while no SDK is registered (the API's no-op provider).
    noopProvider = new loaded.ProxyTracerProvider().getDelegate();
  }
  return loaded;
}

/**
 * True when an OpenTelemetry SDK is registered globally. Without one, durox creates no spans and
 * records no trace context: the check is the whole per-turn cost.
 */
export function tracingEnabled(): boolean {
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[API_GLOBAL];
  if (registered?.trace === undefined) return false;
  const api = otelApi();
  const provider = api.trace.getTracerProvider();
  return !(provider instanceof api.ProxyTracerProvider) || provider.getDelegate() !== noopProvider;
}

/**
 * The ids of the active OpenTelemetry span, when there is a valid one (for log lines). Without
 * anything registered with the API (no SDK, no context manager) there is none, and the API is
 * not loaded.
 */
export function activeSpanIds(): { traceId: string; spanId: string } | undefined {
  if ((globalThis as Record<symbol, unknown>)[API_GLOBAL] === undefined) return undefined;
  const api = otelApi();
  const context = api.trace.getActiveSpan()?.spanContext();
  return context !== undefined && api.isSpanContextValid(context)
    ? { traceId: context.traceId, spanId: context.spanId }
    : undefined;
}

/** The `durox` tracer of the global provider. */
export function tracer(): Tracer {
  return otelApi().trace.getTracer(TRACER_NAME);
}

/**
 * The stored form of a span's context, or `undefined` when the span is not recording (no SDK,
 * or not sampled): then nothing is stored, so untraced histories stay as they were.
 */
export function traceOf(span: Span): TraceContext | undefined {
  if (!span.isRecording()) return undefined;
  const sc = span.spanContext();
  if (!otelApi().isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  const state = sc.traceState?.serialize();
  return {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The remote span context a stored trace context names, or `undefined` when malformed. */
export function spanContextOf(stored: TraceContext | undefined): SpanContext | undefined {
  if (stored === undefined || typeof stored.traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(stored.traceparent.trim());
  if (!match || match[1] === 'ff' || (match[1] === '00' && stored.traceparent.trim().length !== 55))
    return undefined;
  const sc: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & 0x01, // TraceFlags.SAMPLED
    isRemote: true,
    ...(typeof stored.tracestate === 'string' && stored.tracestate !== ''
      ? { traceState: otelApi().createTraceState(stored.tracestate) }
      : {}),
  };
  return otelApi().isSpanContextValid(sc) ? sc : undefined;
}

/**
 * The context to start a span in: the stored context as remote parent, or (when nothing valid
 * is stored) the active context, so that a span without a stored parent is a root or a child
 * of whatever the caller has active.
 */
export function parentContext(stored: TraceContext | undefined): Context {
  const { context, trace } = otelApi();
  const sc = spanContextOf(stored);
  return sc === undefined ? context.active() : trace.setSpanContext(context.active(), sc);
}

/** Span attribute names (durox's own namespace; see docs/observability.md). */
export const ATTR = {
  instanceId: 'durox.instance_id',
  executionId: 'durox.execution_id',
  orchestrationName: 'durox.orchestration.name',
  orchestrationVersion: 'durox.orchestration.version',
  turnOutcome: 'durox.turn.outcome',
  turnCommitted: 'durox.turn.committed',
  historyLength: 'durox.history.length',
  replayedEvents: 'durox.turn.replayed_events',
  firstEventId: 'durox.turn.first_event_id',
  lastEventId: 'durox.turn.last_event_id',
  activityName: 'durox.activity.name',
  activityId: 'durox.activity.id',
  attempt: 'durox.activity.attempt',
  activityOutcome: 'durox.activity.outcome',
  workerId: 'durox.worker_id',
  tag: 'durox.activity.tag',
  sessionId: 'durox.session_id',
  childInstanceId: 'durox.child.instance_id',
  eventName: 'durox.event.name',
  cancelReason: 'durox.cancel.reason',
  timerId: 'durox.timer.id',
  fireAtMs: 'durox.timer.fire_at_ms',
  created: 'durox.created',
} as const;

/** Marks a span failed with `err` (status error and an exception event). */
export function recordFailure(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({
    code: otelApi().SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}

/**
 * Runs a client operation in a span `name` (kind producer, child of the active context) and
 * hands `run` the span's context to store with the message. Without an SDK (or when the span is
 * not sampled) `run` gets `undefined`; without an SDK no span is even created.
 */
export async function traced<T>(
  name: string,
  attributes: Attributes,
  run: (trace: TraceContext | undefined, span: Span | null) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return run(undefined, null);
  const span = tracer().startSpan(name, { kind: otelApi().SpanKind.PRODUCER, attributes });
  try {
    return await run(traceOf(span), span);
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** How an activity attempt ended, as its span's `durox.activity.outcome`. */
export type ActivitySpanOutcome = 'completed' | 'failed' | 'cancelled' | 'released' | 'poison';

/**
 * Opens the span of one activity attempt, `RunActivity:<name>`, as a child of the context stored
 * with its ActivityScheduled event; `null` when no SDK is registered.
 */
export function startActivitySpan(
  item: ActivityExecuteItem,
  attempt: number,
  workerId: string | null,
): Span | null {
  if (!tracingEnabled()) return null;
  return tracer().startSpan(
    `RunActivity:${item.name}`,
    {
      kind: otelApi().SpanKind.CONSUMER,
      attributes: {
        [ATTR.instanceId]: item.instance,
        [ATTR.executionId]: item.execution_id,
        [ATTR.activityName]: item.name,
        [ATTR.activityId]: item.id,
        [ATTR.attempt]: attempt,
        ...(workerId === null ? {} : { [ATTR.workerId]: workerId }),
        ...(item.tag === undefined ? {} : { [ATTR.tag]: item.tag }),
        ...(item.session_id === undefined ? {} : { [ATTR.sessionId]: item.session_id }),
        ...(item.orchestration_name === undefined
          ? {}
          : { [ATTR.orchestrationName]: item.orchestration_name }),
      },
    },
    parentContext(item.trace),
  );
}

/** Ends an activity attempt's span with its outcome (and the error of a failed attempt). */
export function endActivitySpan(span: Span | null, outcome: ActivitySpanOutcome, error?: unknown): void {
  if (span === null) return;
  span.setAttribute(ATTR.activityOutcome, outcome);
  if (outcome === 'failed' || outcome === 'poison') recordFailure(span, error ?? outcome);
  span.end();
}

/** Runs `call` with `span` active (so spans the activity creates are its children). */
export function withSpan<T>(span: Span | null, call: () => T): T {
  if (span === null) return call();
  const { context, trace } = otelApi();
  return context.with(trace.setSpan(context.active(), span), call);
}
