/**
 * Human output of the schedule commands: a schedule's description (spec, state, next times in
 * UTC and in its time zone, recent runs with their outcome) and the table of `schedule list`.
 */
import type { ChalkInstance } from 'chalk';
import { isoTime } from '../engine/schedules/next-times.js';
import type {
  ScheduleDescription,
  ScheduleRun,
  ScheduleSpec,
  ScheduleSummary,
} from '../engine/schedules/types.js';
import { colorStatus, compact, keyValues, stdoutColors, table } from './output.js';

/** A duration with every unit it has, nothing rounded: `1h15m`, `2s`, `1m30s500ms`. */
export function exactDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** `cron 30 2 * * * (Europe/Berlin)`, `every 1h`, `every 1h + 15m`. */
export function formatScheduleSpec(spec: ScheduleSpec): string {
  if (spec.cron !== undefined)
    return `cron ${spec.cron}${spec.timezone === 'UTC' ? '' : ` (${spec.timezone})`}`;
  const { everyMs, offsetMs } = spec.interval!;
  return `every ${exactDuration(everyMs)}${offsetMs === 0 ? '' : ` + ${exactDuration(offsetMs)}`}`;
}

/** The library's summary text (`every 3600000 ms + 900000 ms`) with readable durations. */
function summarySpec(text: string): string {
  const m = /^every (\d+) ms(?: \+ (\d+) ms)?$/.exec(text);
  if (!m) return text.startsWith('(') ? text : `cron ${text}`;
  return `every ${exactDuration(Number(m[1]))}${m[2] === undefined ? '' : ` + ${exactDuration(Number(m[2]))}`}`;
}

/** `2030-01-02 02:30:00 GMT+1`: the time in `timezone`; undefined for UTC or an unknown zone. */
export function zonedTime(ms: number, timezone: string): string | undefined {
  if (timezone === 'UTC') return undefined;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'shortOffset',
    }).formatToParts(new Date(ms));
    const part = (type: Intl.DateTimeFormatPartTypes): string =>
      parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`;
  } catch {
    return undefined;
  }
}

/** A run's outcome: its status when started, else `skipped (<reason>)` / `buffered`. */
export function runOutcome(run: ScheduleRun, c: ChalkInstance): string {
  if (run.action === 'started') return run.status === undefined ? 'started' : colorStatus(c, run.status);
  if (run.action === 'skipped') return c.yellow(`skipped${run.reason ? ` (${run.reason})` : ''}`);
  return c.gray('buffered');
}

function optionalTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : isoTime(ms);
}

/** The text `schedule describe` (and `create`, `update`) prints. */
export function renderScheduleDescription(d: ScheduleDescription): string {
  const c = stdoutColors();
  const { spec, state } = d;
  const paused = state.paused
    ? c.yellow(`paused${state.note === undefined ? '' : ` — ${JSON.stringify(state.note)}`}`)
    : c.green('active');
  const head = keyValues(
    [
      ['schedule', `${d.id} ${c.dim(`(instance ${d.instanceId}, ${state.status})`)}`],
      ['spec', formatScheduleSpec(spec)],
      ['orchestration', `${spec.orchestration}${spec.version === undefined ? '' : `@${spec.version}`}`],
      ['input', compact(spec.input)],
      ['overlap', spec.overlap],
      ['catch-up window', exactDuration(spec.catchupWindowMs)],
      ['jitter', spec.jitterMs === 0 ? undefined : exactDuration(spec.jitterMs)],
      ['start at', optionalTime(spec.startAt)],
      ['end at', optionalTime(spec.endAt)],
      ['state', paused],
      ['remaining runs', state.remainingRuns === undefined ? undefined : String(state.remainingRuns)],
      ['last scheduled', optionalTime(state.lastScheduledAt)],
      ['running', state.runningInstanceId],
      ['buffered', state.buffered === 0 ? undefined : String(state.buffered)],
    ],
    c,
  );
  const none =
    state.status === 'Pending'
      ? 'computed when a worker takes the schedule up'
      : state.paused
        ? 'none while paused'
        : 'none';
  const next =
    d.nextTimes.length === 0
      ? `  ${c.dim(none)}`
      : d.nextTimes
          .map((t) => {
            const zoned = zonedTime(t, spec.timezone);
            return `  ${isoTime(t)}${zoned === undefined ? '' : c.dim(`  ${zoned}`)}`;
          })
          .join('\n');
  const runs =
    d.recentRuns.length === 0
      ? `  ${c.dim('none yet')}`
      : table(
          ['  TIME', 'KIND', 'OUTCOME', 'INSTANCE'],
          d.recentRuns.map((r) => [`  ${isoTime(r.scheduledAt)}`, r.kind, runOutcome(r, c), r.instanceId]),
          c,
        );
  return `${head}\n${c.bold('next times:')}\n${next}\n${c.bold('recent runs:')}\n${runs}`;
}

/** The table `schedule list` prints. */
export function renderScheduleList(schedules: readonly ScheduleSummary[]): string {
  const c = stdoutColors();
  if (schedules.length === 0) return c.dim('no schedules (create one with `durox schedule create`)');
  return table(
    ['ID', 'SPEC', 'ORCHESTRATION', 'PAUSED', 'NEXT RUN', 'LAST RUN'],
    schedules.map((s) => [
      s.id,
      summarySpec(s.spec),
      s.orchestration || '-',
      s.paused ? c.yellow('yes') : 'no',
      s.status === 'Failed' ? c.red('schedule Failed') : s.nextTime === undefined ? '-' : isoTime(s.nextTime),
      s.lastRun === undefined ? '-' : `${isoTime(s.lastRun.scheduledAt)} ${runOutcome(s.lastRun, c)}`,
    ]),
    c,
  );
}
