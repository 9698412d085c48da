/**
 * A readable timeline of a history (`durox history show`, `durox demo`): one line per event,
 * schedules linked to their completions, timers with their delays, events and the status.
 */
import type { HistoryEvent } from '../core/history.js';
import { SYSCALL_PREFIX } from '../engine/replay/tasks.js';
import type { ExecutionStatus } from '../core/provider.js';
import { formatDuration } from './durations.js';
import type { HistoryFile } from './history-file.js';
import { colorStatus, compactText, stdoutColors } from './output.js';

/** One event of the timeline. */
export interface TimelineEntry {
  eventId: number;
  kind: string;
  /** Epoch ms of the turn that recorded it. */
  timestampMs: number;
  /** Since the execution started. */
  offsetMs: number;
  /** What happened, in a few words. */
  summary: string;
  /** For completions, fired timers, delivered events, cancellations: the event they answer. */
  sourceEventId?: number;
  /** For schedules, timers and subscriptions: the event that answered them, if any yet. */
  completedBy?: { eventId: number; kind: string; afterMs: number };
}

export interface TimelineExecution {
  executionId: number;
  orchestrationName: string;
  orchestrationVersion: string;
  status: ExecutionStatus;
  startedAt: number;
  completedAt: number | null;
  entries: TimelineEntry[];
}

/** `--json` document of `history show`. */
export interface Timeline {
  instanceId: string;
  orchestrationName: string;
  orchestrationVersion: string | null;
  status: ExecutionStatus;
  executions: TimelineExecution[];
}

const SYSCALL_NAMES: Record<string, string> = {
  [`${SYSCALL_PREFIX}new_guid`]: 'newGuid()',
  [`${SYSCALL_PREFIX}utc_now_ms`]: 'utcNow()',
  [`${SYSCALL_PREFIX}get_kv_value`]: 'getValueFromInstance',
};

function activityLabel(name: string, input: string): string {
  const syscall = SYSCALL_NAMES[name];
  if (syscall === 'newGuid()' || syscall === 'utcNow()') return syscall;
  return `${syscall ?? name}(${compactText(input, 60)})`;
}

function sourceLabel(byId: ReadonlyMap<number, HistoryEvent>, sourceId: number | undefined): string {
  const source = sourceId === undefined ? undefined : byId.get(sourceId);
  if (!source) return '';
  if (source.type === 'ActivityScheduled') {
    const syscall = SYSCALL_NAMES[source.name];
    return syscall && !syscall.endsWith(')') ? `${syscall} ` : `${syscall ?? source.name} `;
  }
  if (source.type === 'SubOrchestrationScheduled') return `${source.name} `;
  return '';
}

/**
 * A few words about one event (`byId`: the execution's events so far, to name the schedule a
 * completion answers).
 */
export function summarize(e: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): string {
  const from = sourceLabel(byId, e.source_event_id);
  switch (e.type) {
    case 'OrchestrationStarted':
      return `${e.name} ${e.version} input=${compactText(e.input, 60)}${e.parent_instance ? ` parent=${e.parent_instance}` : ''}`;
    case 'OrchestrationCompleted':
      return `output=${compactText(e.output, 70)}`;
    case 'OrchestrationFailed':
    case 'ActivityFailed':
    case 'SubOrchestrationFailed':
      return `${from}✗ ${e.details.message}`;
    case 'OrchestrationContinuedAsNew':
      return `input=${compactText(e.input, 60)}`;
    case 'OrchestrationCancelRequested':
    case 'ActivityCancelRequested':
    case 'SubOrchestrationCancelRequested':
    case 'ExternalSubscribedCancelled':
    case 'QueueSubscriptionCancelled':
      return `${from}reason: ${e.reason}`;
    case 'ActivityScheduled':
      return `${activityLabel(e.name, e.input)}${e.session_id ? ` session=${e.session_id}` : ''}${e.tag ? ` tag=${e.tag}` : ''}`;
    case 'ActivityCompleted':
    case 'SubOrchestrationCompleted':
      return `${from}→ ${compactText(e.result, 60)}`;
    case 'TimerCreated':
      return `fires after ${formatDuration(Math.max(0, e.fire_at_ms - e.timestamp_ms))}`;
    case 'TimerFired':
      return 'timer fired';
    case 'ExternalSubscribed':
      return `waiting for event "${e.name}"`;
    case 'ExternalEvent':
      return `event "${e.name}" ${compactText(e.data, 60)}`;
    case 'QueueSubscribed':
      return `dequeue from "${e.name}"`;
    case 'QueueEventDelivered':
      return `message on "${e.name}" ${compactText(e.data, 60)}`;
    case 'SubOrchestrationScheduled':
      return `${e.name}${e.version ? ` ${e.version}` : ''} as ${e.instance} input=${compactText(e.input, 40)}`;
    case 'OrchestrationChained':
      return `detached ${e.name} as ${e.instance}`;
    case 'CustomStatusUpdated':
      return e.status === null ? 'custom status cleared' : `custom status "${e.status}"`;
    case 'KeyValueSet':
      return `${e.key} = ${compactText(e.value, 50)}`;
    case 'KeyValueCleared':
      return `${e.key} cleared`;
    case 'KeyValuesCleared':
      return 'all keys cleared';
    default: {
      const never: never = e;
      return String((never as { type: string }).type);
    }
  }
}

/** Builds the timeline of one execution. */
function executionTimeline(events: readonly HistoryEvent[]): TimelineEntry[] {
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const start = events[0]?.timestamp_ms ?? 0;
  const entries = events.map((e): TimelineEntry => ({
    eventId: e.event_id,
    kind: e.type,
    timestampMs: e.timestamp_ms,
    offsetMs: e.timestamp_ms - start,
    summary: summarize(e, byId),
    ...(e.source_event_id === undefined ? {} : { sourceEventId: e.source_event_id }),
  }));
  const entryById = new Map(entries.map((entry) => [entry.eventId, entry]));
  // Delivered events and queue messages name their subscription only by name: the oldest open
  // subscription of that name took them.
  const open = new Map<string, number[]>();
  for (const e of events) {
    if (e.type === 'ExternalSubscribed' || e.type === 'QueueSubscribed') {
      const key = `${e.type}:${e.name}`;
      open.set(key, [...(open.get(key) ?? []), e.event_id]);
    } else if (
      (e.type === 'ExternalEvent' || e.type === 'QueueEventDelivered') &&
      e.source_event_id === undefined
    ) {
      const key = `${e.type === 'ExternalEvent' ? 'ExternalSubscribed' : 'QueueSubscribed'}:${e.name}`;
      const waiting = open.get(key);
      const source = waiting?.shift();
      const entry = entryById.get(e.event_id);
      if (source !== undefined && entry) entry.sourceEventId = source;
    } else if (
      (e.type === 'ExternalSubscribedCancelled' || e.type === 'QueueSubscriptionCancelled') &&
      e.source_event_id !== undefined
    ) {
      for (const list of open.values()) {
        const at = list.indexOf(e.source_event_id);
        if (at >= 0) list.splice(at, 1);
      }
    }
  }
  for (const entry of entries) {
    if (
      entry.sourceEventId === undefined ||
      entry.kind.endsWith('CancelRequested') ||
      entry.kind.endsWith('Cancelled')
    )
      continue;
    const source = entryById.get(entry.sourceEventId);
    if (source && !source.completedBy) {
      source.completedBy = {
        eventId: entry.eventId,
        kind: entry.kind,
        afterMs: entry.timestampMs - source.timestampMs,
      };
    }
  }
  return entries;
}

/** The timeline of every execution in a history file. */
export function buildTimeline(file: HistoryFile): Timeline {
  return {
    instanceId: file.instance.instanceId,
    orchestrationName: file.instance.orchestrationName,
    orchestrationVersion: file.instance.orchestrationVersion,
    status: file.instance.status,
    executions: file.executions.map((x) => ({
      executionId: x.executionId,
      orchestrationName: x.orchestrationName,
      orchestrationVersion: x.orchestrationVersion,
      status: x.status,
      startedAt: x.startedAt,
      completedAt: x.completedAt,
      entries: executionTimeline(x.events),
    })),
  };
}

/** Human rendering of a timeline. */
export function renderTimeline(timeline: Timeline): string {
  const c = stdoutColors();
  const lines = [
    `${c.bold(timeline.instanceId)}  ${timeline.orchestrationName} ${timeline.orchestrationVersion ?? ''}  ${colorStatus(c, timeline.status)}`,
  ];
  for (const x of timeline.executions) {
    const took = x.completedAt === null ? 'running' : formatDuration(x.completedAt - x.startedAt);
    lines.push(
      '',
      c.dim(
        `execution ${x.executionId} · ${x.orchestrationName} ${x.orchestrationVersion} · ${x.status} · ${took}`,
      ),
    );
    const idWidth = String(x.entries.at(-1)?.eventId ?? 1).length;
    const kindWidth = Math.max(...x.entries.map((e) => e.kind.length));
    for (const e of x.entries) {
      const link = e.completedBy
        ? c.dim(` ⟶ #${e.completedBy.eventId} after ${formatDuration(e.completedBy.afterMs)}`)
        : e.sourceEventId !== undefined
          ? c.dim(` ⟵ #${e.sourceEventId}`)
          : '';
      const kind = e.kind.padEnd(kindWidth);
      const colored = /Failed|Cancel/.test(e.kind)
        ? c.red(kind)
        : /Completed|Fired|Event|Delivered/.test(e.kind)
          ? c.green(kind)
          : kind;
      lines.push(
        `  ${c.dim(`#${e.eventId}`.padEnd(idWidth + 1))} ${c.dim(`+${formatDuration(e.offsetMs)}`.padEnd(8))} ${colored}  ${e.summary}${link}`,
      );
    }
  }
  return lines.join('\n');
}
