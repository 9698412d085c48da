/**
 * The spans of one orchestration turn: `RunOrchestration:<name>` for the turn (child of the
 * context stored in the execution's OrchestrationStarted), and `StartChildOrchestration:<name>`
 * / `StartDetachedOrchestration:<name>` for each sub-orchestration / detached start it makes.
 * Only events new in this turn are looked at, so replayed work never yields a span again. The
 * turn's context is stamped on the new events that schedule work (ActivityScheduled,
 * SubOrchestrationScheduled, OrchestrationChained, and OrchestrationStarted when the start
 * carried none) before the ack is built, so it travels with the work items and is stored in
 * history; the turn links the client spans of the events and cancellations it records. Created
 * only when an OpenTelemetry SDK is registered.
 */
import type { Context, Link, Span } from '@opentelemetry/api';
import type { HistoryEvent, TraceContext } from '../../core/history.js';
import type { ExecutionOutcome, ExecutionState } from '../replay/execution.js';
import { SYSCALL_PREFIX } from '../replay/tasks.js';
import { ATTR, otelApi, parentContext, spanContextOf, traceOf, tracer, tracingEnabled } from '../otel.js';

/** How a traced turn ended for the store. */
export type TurnCommit = 'committed' | 'lost' | 'failed';

/** The spans of one turn; `null` from {@link TurnTrace.begin} when tracing is off. */
export class TurnTrace {
  private readonly startTime = Date.now();
  private span: Span | null = null;
  /** StartChildOrchestration spans: ended only once the turn that records them is committed. */
  private readonly children: Span[] = [];

  private constructor() {}

  /** A trace for the turn about to run, or `null` when no SDK is registered (nothing to do). */
  static begin(): TurnTrace | null {
    return tracingEnabled() ? new TurnTrace() : null;
  }

  /**
   * Opens the turn span after the code ran (start time: when the batch was taken), and stamps
   * its context on the new events of `delta` that schedule work.
   */
  stamp(
    exec: ExecutionState,
    delta: HistoryEvent[],
    outcome: ExecutionOutcome,
    replayedEvents: number,
  ): void {
    const started = exec.startedEvent;
    if (started === null || this.span !== null) return;
    const { context, SpanKind, SpanStatusCode, trace } = otelApi();
    const links: Link[] = [];
    for (const event of delta) {
      if (event.type === 'OrchestrationCancelRequested') {
        const sc = spanContextOf(event.trace);
        if (sc) links.push({ context: sc, attributes: { [ATTR.cancelReason]: event.reason } });
        continue;
      }
      if (event.type !== 'ExternalEvent' && event.type !== 'QueueEventDelivered') continue;
      const sc = spanContextOf(event.trace);
      if (sc) links.push({ context: sc, attributes: { [ATTR.eventName]: event.name } });
    }
    const span = tracer().startSpan(
      `RunOrchestration:${started.name}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: this.startTime,
        links,
        attributes: {
          [ATTR.instanceId]: exec.instanceId,
          [ATTR.executionId]: exec.executionId,
          [ATTR.orchestrationName]: started.name,
          [ATTR.orchestrationVersion]: started.version,
          [ATTR.turnOutcome]: outcome.status,
          [ATTR.historyLength]: exec.historyLength,
          [ATTR.replayedEvents]: replayedEvents,
          ...(delta.length === 0
            ? {}
            : { [ATTR.firstEventId]: delta[0]!.event_id, [ATTR.lastEventId]: delta.at(-1)!.event_id }),
        },
      },
      parentContext(started.trace),
    );
    this.span = span;
    if (outcome.status === 'Failed')
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.details.message });
    const own = traceOf(span);
    if (own === undefined) return; // not sampled: nothing is recorded
    const turnContext = trace.setSpan(context.active(), span);
    for (const event of delta) {
      switch (event.type) {
        case 'OrchestrationStarted':
          // Started without a traced caller: the first turn becomes the instance's trace root.
          event.trace ??= own;
          break;
        case 'ActivityScheduled':
          if (!event.name.startsWith(SYSCALL_PREFIX)) event.trace = own;
          break;
        case 'SubOrchestrationScheduled': {
          const name = `StartChildOrchestration:${event.name}`;
          const childTrace = this.startProducer(name, exec, event, turnContext);
          if (childTrace) event.trace = childTrace;
          break;
        }
        case 'OrchestrationChained': {
          // Runs a built-in (a schedule) starts begin traces of their own: one trace per run,
          // not one growing trace per schedule.
          if (started.name.startsWith(SYSCALL_PREFIX)) break;
          const name = `StartDetachedOrchestration:${event.name}`;
          const startedTrace = this.startProducer(name, exec, event, turnContext);
          if (startedTrace) event.trace = startedTrace;
          break;
        }
        case 'TimerCreated':
          span.addEvent('durox.timer.created', {
            [ATTR.timerId]: event.event_id,
            [ATTR.fireAtMs]: event.fire_at_ms,
          });
          break;
        case 'TimerFired':
          span.addEvent('durox.timer.fired', {
            [ATTR.timerId]: event.source_event_id ?? 0,
            [ATTR.fireAtMs]: event.fire_at_ms,
          });
          break;
        default:
          break;
      }
    }
  }

  /**
   * A producer span for an orchestration this turn starts, ended with the turn once committed;
   * returns its context for the start message (undefined when not sampled).
   */
  private startProducer(
    name: string,
    exec: ExecutionState,
    event: { name: string; instance: string },
    turnContext: Context,
  ): TraceContext | undefined {
    const child = tracer().startSpan(
      name,
      {
        kind: otelApi().SpanKind.PRODUCER,
        attributes: {
          [ATTR.instanceId]: exec.instanceId,
          [ATTR.childInstanceId]: event.instance,
          [ATTR.orchestrationName]: event.name,
        },
      },
      turnContext,
    );
    this.children.push(child);
    return traceOf(child);
  }

  /**
   * Ends the spans once the store answered: a committed turn ends its child spans too; a turn
   * that was not stored ends with an error status and drops the child spans, whose contexts
   * were never recorded (the turn runs again and records new ones).
   */
  finish(commit: TurnCommit, error?: unknown): void {
    const span = this.span;
    if (span === null) return;
    this.span = null;
    span.setAttribute(ATTR.turnCommitted, commit === 'committed');
    const { SpanStatusCode } = otelApi();
    if (commit === 'committed') {
      for (const child of this.children) child.end();
    } else {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message:
          commit === 'lost'
            ? 'lease lost before commit'
            : `commit failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    span.end();
  }
}
