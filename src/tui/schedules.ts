/**
 * Pure text helpers of the schedules screen: a schedule's spec, state and runs as the list and
 * the detail pane show them, and the overview's view of unrunnable work without the built-in
 * schedule orchestration.
 */
import { SCHEDULE_ORCHESTRATION } from '../engine/schedules/schedule-orchestration.js';
import type { ScheduleRun, ScheduleSpec, ScheduleSummary } from '../engine/schedules/types.js';
import type { UnrunnableWork } from '../engine/workers.js';
import type { Colour } from './theme.js';
import { statusColour } from './theme.js';

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** An exact duration in the units the CLI takes: `15m`, `1h30m`, `1500ms`, `0s`. */
export function durationText(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/** A spec as one line: `30 2 * * * (Europe/Berlin)`, `every 15m`, `every 1h + 15m`. */
export function specText(spec: ScheduleSpec): string {
  if (spec.cron !== undefined) return spec.timezone === 'UTC' ? spec.cron : `${spec.cron} (${spec.timezone})`;
  const interval = spec.interval;
  if (interval === undefined) return '—';
  const every = `every ${durationText(interval.everyMs)}`;
  return interval.offsetMs === 0 ? every : `${every} + ${durationText(interval.offsetMs)}`;
}

/** `listSchedules`' spec text with interval milliseconds shown in units (`every 900000 ms` → `every 15m`). */
export function summarySpecText(spec: string): string {
  return spec.replace(/\b(\d+) ms\b/g, (_match, ms: string) => durationText(Number(ms)));
}

/** Shown for a schedule whose first turn no worker has run yet. */
export const WAITING_FOR_WORKER = 'waiting for a worker';

/** The state column: `active`, `paused: <note>`, `failed`, or waiting for a worker. */
export function stateText(s: Pick<ScheduleSummary, 'paused' | 'note' | 'status' | 'orchestration'>): {
  text: string;
  colour: Colour;
} {
  if (s.status === 'Failed') return { text: 'failed (delete and create it again)', colour: 'red' };
  if (s.status === 'Completed') return { text: 'ended', colour: 'gray' };
  if (s.status === 'Pending' && s.orchestration === '') return { text: WAITING_FOR_WORKER, colour: 'yellow' };
  if (s.paused) return { text: s.note === undefined ? 'paused' : `paused: ${s.note}`, colour: 'yellow' };
  return { text: 'active', colour: 'green' };
}

/** A run's outcome: the started instance's status, or `skipped` / `buffered` with its reason. */
export function runOutcome(run: ScheduleRun): { text: string; colour: Colour } {
  if (run.action === 'started') {
    const status = run.status ?? 'started';
    // NotFound: deleted, or just started and not created yet.
    return { text: status === 'NotFound' ? 'not found' : status, colour: statusColour(status) };
  }
  const text = run.reason === undefined ? run.action : `${run.action}: ${run.reason}`;
  return { text, colour: run.action === 'skipped' ? 'yellow' : 'gray' };
}

/**
 * The overview's unrunnable work without the built-in schedule orchestration: schedules show
 * on their own screen, and every runtime runs them, so naming `__durox_syscall:schedule` in
 * "no running worker knows …" would only repeat that no worker runs at all.
 */
export function withoutScheduleWork(work: UnrunnableWork | null): UnrunnableWork | null {
  if (work === null) return null;
  const orchestrations = work.orchestrations.filter((o) => o.name !== SCHEDULE_ORCHESTRATION);
  return orchestrations.length === work.orchestrations.length ? work : { ...work, orchestrations };
}
