/**
 * Human renderings of orchestration results (the `--json` documents are the values themselves).
 */
import type { ChalkInstance } from 'chalk';
import type { ErrorDetails } from '../core/failure.js';
import type { HistoryEvent } from '../core/history.js';
import { toEventView } from '../engine/management.js';
import type { HistoryEventView, InstanceInfoView } from '../engine/management.js';
import type { WatchedEvent } from '../engine/history-watch.js';
import type { WaitingOn } from '../engine/waiting-on.js';
import type { InstanceInfo } from '../core/provider.js';
import { formatDuration } from './durations.js';
import { colorStatus, formatTime, keyValues, stdoutColors, table } from './output.js';
import { summarize } from './timeline.js';
import type { OrchestrationOutcome } from './wait.js';

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function pretty(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.includes('\n') ? `\n${text.replace(/^/gm, '  ')}` : text;
}

/** `application / ActivityFailed`, `poison`, … */
export function failureKind(details: ErrorDetails): string {
  return 'kind' in details ? `${details.category} / ${details.kind}` : details.category;
}

/** The end of a waited-for orchestration. */
export function printOutcome(outcome: OrchestrationOutcome): void {
  const c = stdoutColors();
  print(
    keyValues(
      [
        ['instance', outcome.instanceId],
        [
          'orchestration',
          outcome.orchestrationName === null
            ? undefined
            : `${outcome.orchestrationName}${outcome.orchestrationVersion ? ` ${outcome.orchestrationVersion}` : ''}`,
        ],
        ['status', colorStatus(c, outcome.status)],
        ['output', outcome.status === 'Completed' ? pretty(outcome.output) : undefined],
        ['error', outcome.error === undefined ? undefined : c.red(outcome.error)],
        ['custom status', outcome.customStatus],
      ],
      c,
    ),
  );
}

/** `orchestration status`. */
export function printInstance(info: InstanceInfoView & { warning?: string }): void {
  const c = stdoutColors();
  print(
    keyValues(
      [
        ['instance', info.instanceId],
        ['orchestration', `${info.orchestrationName} ${info.orchestrationVersion ?? ''}`.trim()],
        ['status', colorStatus(c, info.status)],
        ['execution', String(info.currentExecutionId)],
        ['created', formatTime(info.createdAt)],
        ['updated', formatTime(info.updatedAt)],
        ['parent', info.parentInstanceId],
        ['custom status', info.customStatus],
        [
          'output',
          info.status === 'Completed' || info.status === 'ContinuedAsNew' ? pretty(info.output) : undefined,
        ],
        ['error', info.status === 'Failed' ? c.red(String(info.output)) : undefined],
        ['failure', info.failureDetails ? failureKind(info.failureDetails) : undefined],
        [
          'waiting on',
          info.waitingOn === undefined ? undefined : waitingOnBlock(info.waitingOn, Date.now(), c),
        ],
        ['warning', info.warning === undefined ? undefined : c.yellow(info.warning)],
      ],
      c,
    ),
  );
}

/**
 * The `waiting on:` block of `orchestration status`: one indented line per wait (activity, timer,
 * event, queue, child), or `nothing` when no wait is recorded.
 */
export function waitingOnBlock(waiting: WaitingOn, now: number, c: ChalkInstance): string {
  const lines: string[] = [];
  for (const a of waiting.activities) {
    const details = [
      a.attempt > 1 ? `attempt ${a.attempt}` : '',
      a.tag === undefined ? '' : `tag ${a.tag}`,
      a.sessionId === undefined ? '' : `session ${a.sessionId}`,
    ].filter(Boolean);
    const since = `scheduled ${formatDuration(Math.max(0, now - a.scheduledAtMs))} ago`;
    lines.push(`activity  ${a.name}${details.length ? ` (${details.join(', ')})` : ''} ${c.dim(since)}`);
  }
  for (const t of waiting.timers) {
    const left = t.fireAtMs - now;
    const when = left > 0 ? `in ${formatDuration(left)}` : 'due';
    lines.push(`timer     fires ${formatTime(t.fireAtMs)} ${c.dim(`(${when})`)}`);
  }
  for (const name of waiting.events) lines.push(`event     ${name}`);
  for (const name of waiting.queues) lines.push(`queue     ${name}`);
  for (const id of waiting.children) lines.push(`child     ${id}`);
  if (lines.length === 0) return c.dim('nothing');
  return `\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** One line of `orchestration watch --json`: the event's readable view with its execution. */
export type WatchedEventLine = { executionId: number } & HistoryEventView;

/** A watched event as its `--json` line. */
export function watchedEventLine(item: WatchedEvent): WatchedEventLine {
  return { executionId: item.executionId, ...toEventView(item.event) };
}

/**
 * A watched event as one human line: execution, event id, time of day (UTC, ms), kind and a few
 * words (`byId`: the events of its execution seen so far).
 */
export function watchedEventText(
  item: WatchedEvent,
  byId: ReadonlyMap<number, HistoryEvent>,
  c: ChalkInstance,
): string {
  const { event } = item;
  const kind = /Failed|Cancel/.test(event.type)
    ? c.red(event.type)
    : /Completed|Fired|Event|Delivered/.test(event.type)
      ? c.green(event.type)
      : event.type;
  const time = new Date(event.timestamp_ms).toISOString().slice(11, 23);
  return `${c.dim(`exec ${item.executionId} #${String(event.event_id).padEnd(4)} ${time}`)} ${kind}  ${summarize(event, byId)}`;
}

/** `orchestration list`. */
export function printInstanceTable(
  instances: Omit<InstanceInfo, 'output' | 'customStatusVersion'>[],
  total: number,
): void {
  const c = stdoutColors();
  if (instances.length === 0) {
    print(c.dim('no instances'));
    return;
  }
  print(
    table(
      ['INSTANCE', 'ORCHESTRATION', 'VERSION', 'STATUS', 'EXEC', 'CREATED', 'UPDATED'],
      instances.map((i) => [
        i.instanceId,
        i.orchestrationName,
        i.orchestrationVersion ?? '-',
        colorStatus(c, i.status),
        String(i.currentExecutionId),
        formatTime(i.createdAt),
        formatTime(i.updatedAt),
      ]),
      c,
    ),
  );
  if (total > instances.length) print(c.dim(`${instances.length} of ${total} shown (use --limit)`));
}
