/**
 * The detail screen's history timeline, built from `client.readExecutionHistory()`: one row per
 * event with its offset from the execution start, a tone (for colour), a few words, and the
 * links between a schedule (activity, timer, sub-orchestration, subscription) and the events
 * that answered it (their `sourceEventId`).
 */
import type { HistoryEventView } from '../engine/management.js';
import { compactJson, formatSpan, oneLine, showValue } from './format.js';
import type { Colour } from './theme.js';

/** What kind of thing an event is, for colour. */
export type EventTone = 'lifecycle' | 'schedule' | 'completion' | 'failure' | 'timer' | 'event' | 'state';

export interface TimelineLink {
  readonly eventId: number;
  readonly kind: string;
  /** Time between the schedule and this answer. */
  readonly afterMs: number;
}

export interface TimelineRow {
  readonly eventId: number;
  readonly kind: string;
  readonly tone: EventTone;
  /** Since the first event of the execution. */
  readonly offsetMs: number;
  readonly summary: string;
  /** The schedule this event answers. */
  readonly sourceEventId?: number;
  /** Time since that schedule. */
  readonly sinceSourceMs?: number;
  /** The events that answered this one (completion, failure, cancellation…). */
  readonly answeredBy: readonly TimelineLink[];
  /** The sub-orchestration this event started. */
  readonly childInstanceId?: string;
}

const SYSCALL_PREFIX = '__durox_syscall:';
const SYSCALLS: Record<string, string> = {
  new_guid: 'newGuid()',
  utc_now_ms: 'utcNow()',
  get_kv_value: 'getValueFromInstance',
};

export function toneOf(kind: string): EventTone {
  if (kind.endsWith('Failed')) return 'failure';
  if (kind.startsWith('Orchestration')) return 'lifecycle';
  if (kind.startsWith('Timer')) return 'timer';
  if (kind.endsWith('Scheduled') || kind.endsWith('Subscribed') || kind === 'OrchestrationChained') {
    return 'schedule';
  }
  if (kind.endsWith('Completed')) return 'completion';
  if (kind === 'ExternalEvent' || kind === 'QueueEventDelivered') return 'event';
  return 'state';
}

export function toneColour(tone: EventTone): Colour {
  switch (tone) {
    case 'lifecycle':
      return 'blue';
    case 'schedule':
      return 'cyan';
    case 'completion':
      return 'green';
    case 'failure':
      return 'red';
    case 'timer':
      return 'yellow';
    case 'event':
      return 'magenta';
    case 'state':
      return 'gray';
  }
}

type Fields = Record<string, unknown>;

function fieldsOf(event: HistoryEventView): Fields {
  if (event.data === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(event.data);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Fields) : {};
  } catch {
    return {};
  }
}

const str = (value: unknown): string => (typeof value === 'string' ? value : showValue(value));

/** A payload field (a JSON value inside `data`) as compact JSON. */
const json = (value: unknown): string => (value === undefined ? '' : (JSON.stringify(value) ?? ''));

function activityName(name: string): string {
  return name.startsWith(SYSCALL_PREFIX) ? (SYSCALLS[name.slice(SYSCALL_PREFIX.length)] ?? name) : name;
}

/** Name of what a schedule started, for its answers (`Charge`, `Payment`). */
function scheduleLabel(event: HistoryEventView | undefined): string {
  if (!event) return '';
  const f = fieldsOf(event);
  if (event.kind === 'ActivityScheduled' || event.kind === 'SubOrchestrationScheduled') {
    return `${activityName(str(f.name))} `;
  }
  if (event.kind === 'ExternalSubscribed' || event.kind === 'QueueSubscribed') return `"${str(f.name)}" `;
  return '';
}

/** A failure's `data` is its error details. */
function failureMessage(f: Fields): string {
  return oneLine(str(f.message ?? 'failed'));
}

function summarize(event: HistoryEventView, source: HistoryEventView | undefined): string {
  const f = fieldsOf(event);
  const from = scheduleLabel(source);
  switch (event.kind) {
    case 'OrchestrationStarted':
      return `${str(f.name)} ${str(f.version)} input=${json(f.input)}${
        f.parentInstance ? ` parent=${str(f.parentInstance)}` : ''
      }`;
    case 'OrchestrationCompleted':
      return `output=${compactJson(event.data)}`;
    case 'OrchestrationFailed':
    case 'ActivityFailed':
    case 'SubOrchestrationFailed':
      return `${from}✗ ${failureMessage(f)}`;
    case 'OrchestrationContinuedAsNew':
      return `input=${json(f.input)}`;
    case 'ActivityScheduled': {
      const name = activityName(str(f.name));
      return name.endsWith(')') ? name : `${name}(${json(f.input)})`;
    }
    case 'ActivityCompleted':
    case 'SubOrchestrationCompleted':
      return `${from}→ ${compactJson(event.data)}`;
    case 'TimerCreated':
      return `fires after ${formatSpan(Number(f.fireAtMs) - event.timestampMs)}`;
    case 'TimerFired':
      return 'timer fired';
    case 'ExternalSubscribed':
      return `waiting for event "${str(f.name)}"`;
    case 'ExternalEvent':
      return `event "${str(f.name)}" ${json(f.data)}`;
    case 'QueueSubscribed':
      return `dequeue from "${str(f.name)}"`;
    case 'QueueEventDelivered':
      return `message on "${str(f.name)}" ${json(f.data)}`;
    case 'SubOrchestrationScheduled':
      return `${str(f.name)} as ${str(f.instance)} input=${json(f.input)}`;
    case 'OrchestrationChained':
      return `detached ${str(f.name)} as ${str(f.instance)}`;
    case 'CustomStatusUpdated':
      return f.status === null || f.status === undefined ? 'custom status cleared' : `"${str(f.status)}"`;
    case 'KeyValueSet':
      return `${str(f.key)} = ${oneLine(str(f.value))}`;
    case 'KeyValueCleared':
      return `${str(f.key)} cleared`;
    case 'KeyValuesCleared':
      return 'all keys cleared';
    default:
      if (event.kind.endsWith('CancelRequested') || event.kind.endsWith('Cancelled')) {
        return `${from}reason: ${str(f.reason)}`;
      }
      return event.data === undefined ? '' : compactJson(event.data);
  }
}

/**
 * The event each event answers: its `sourceEventId`, or for an external event (which history
 * does not link) the oldest still-open subscription to its name, the one the engine delivers it
 * to.
 */
function sources(events: readonly HistoryEventView[]): Map<number, number> {
  const links = new Map<number, number>();
  const open = new Map<string, number[]>();
  const names = new Map<number, string>();
  for (const e of events) {
    if (e.sourceEventId !== undefined) {
      links.set(e.eventId, e.sourceEventId);
      // A cancelled subscription no longer takes events.
      const name = names.get(e.sourceEventId);
      if (name !== undefined)
        open.set(
          name,
          (open.get(name) ?? []).filter((id) => id !== e.sourceEventId),
        );
      continue;
    }
    if (e.kind === 'ExternalSubscribed') {
      const name = str(fieldsOf(e).name);
      names.set(e.eventId, name);
      open.set(name, [...(open.get(name) ?? []), e.eventId]);
    } else if (e.kind === 'ExternalEvent') {
      const waiting = open.get(str(fieldsOf(e).name));
      const subscription = waiting?.shift();
      if (subscription !== undefined) links.set(e.eventId, subscription);
    }
  }
  return links;
}

/** Timeline rows of one execution's events (oldest first). */
export function buildTimeline(events: readonly HistoryEventView[]): TimelineRow[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const links = sources(events);
  const answers = new Map<number, TimelineLink[]>();
  for (const e of events) {
    const sourceId = links.get(e.eventId);
    if (sourceId === undefined) continue;
    const source = byId.get(sourceId);
    const list = answers.get(sourceId) ?? [];
    list.push({
      eventId: e.eventId,
      kind: e.kind,
      afterMs: e.timestampMs - (source?.timestampMs ?? e.timestampMs),
    });
    answers.set(sourceId, list);
  }
  const start = events[0]?.timestampMs ?? 0;
  return events.map((e) => {
    const sourceId = links.get(e.eventId);
    const source = sourceId === undefined ? undefined : byId.get(sourceId);
    const child = e.kind === 'SubOrchestrationScheduled' ? fieldsOf(e).instance : undefined;
    return {
      eventId: e.eventId,
      kind: e.kind,
      tone: toneOf(e.kind),
      offsetMs: e.timestampMs - start,
      summary: summarize(e, source),
      ...(sourceId === undefined
        ? {}
        : {
            sourceEventId: sourceId,
            sinceSourceMs: e.timestampMs - (source?.timestampMs ?? e.timestampMs),
          }),
      answeredBy: answers.get(e.eventId) ?? [],
      ...(typeof child === 'string' ? { childInstanceId: child } : {}),
    };
  });
}

/**
 * The link column of a row: `→#5 12ms` (answered by event 5 after 12 ms), `←#3 12ms` (answers
 * event 3, 12 ms after it), `…` (a schedule still waiting).
 */
export function linkLabel(row: TimelineRow): string {
  if (row.sourceEventId !== undefined) return `←#${row.sourceEventId} ${formatSpan(row.sinceSourceMs ?? 0)}`;
  const first = row.answeredBy[0];
  if (first) return `→#${row.answeredBy.map((a) => a.eventId).join(',#')} ${formatSpan(first.afterMs)}`;
  if (row.tone === 'schedule' || row.kind === 'TimerCreated') return '…';
  return '';
}
