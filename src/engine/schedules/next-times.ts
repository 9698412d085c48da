/**
 * When a schedule's runs are due: cron expressions (through croner, in an IANA time zone) and
 * fixed intervals, bounded by `startAt` / `endAt`; the deterministic jitter of a time; the
 * instance id of a run. Pure functions of their arguments: no clock is read.
 */
import { Cron } from 'croner';
import { InvalidInputError } from '../../core/errors.js';
import type { ScheduleSpec } from './types.js';

const CRON_FIELDS_5 = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
const CRON_FIELDS_6 = ['second', ...CRON_FIELDS_5];
/** croner's names of the fields in its messages, to ours. */
const CRONER_FIELD: Readonly<Record<string, string>> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  day: 'day-of-month',
  month: 'month',
  dayOfWeek: 'day-of-week',
};

/** A parsed cron expression in a time zone (croner's job, never started). */
function cronOf(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
}

/**
 * Where in `expression` field `name` starts: `field 2 (hour) at column 4` (1-based). Undefined
 * when the expression is a macro or the field is unknown.
 */
function fieldPosition(expression: string, name: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  const names = parts.length === 6 ? CRON_FIELDS_6 : CRON_FIELDS_5;
  const index = names.indexOf(name);
  if (index < 0 || index >= parts.length) return undefined;
  let column = expression.indexOf(expression.trim()) + 1;
  let rest = expression.trim();
  for (let i = 0; i < index; i++) {
    const part = parts[i]!;
    const at = rest.indexOf(part) + part.length;
    const skipped = rest.slice(at).length - rest.slice(at).trimStart().length;
    column += at + skipped;
    rest = rest.slice(at + skipped);
  }
  return `field ${index + 1} (${name}) at column ${column}`;
}

/** croner's message made ours, with the position of the bad field when croner names it. */
function cronProblem(expression: string, err: unknown): string {
  const raw = (err instanceof Error ? err.message : String(err)).replace(/^Cron(Pattern|Options)?: /, '');
  const named = /Invalid value for (\w+)/.exec(raw);
  const entry = /configuration entry (\d+)/.exec(raw);
  let position: string | undefined;
  if (named) {
    const name = CRONER_FIELD[named[1]!] ?? named[1]!;
    position = fieldPosition(expression, name);
    const parts = expression.trim().split(/\s+/);
    const text = parts[(parts.length === 6 ? CRON_FIELDS_6 : CRON_FIELDS_5).indexOf(name)];
    // croner reports the value after its own offsets (a day of 32 as 31): quote the field as written.
    if (position !== undefined && text !== undefined)
      return `${position}: invalid value ${JSON.stringify(text)}`;
  } else if (entry) {
    const parts = expression.trim().split(/\s+/);
    const names = parts.length === 6 ? CRON_FIELDS_6 : CRON_FIELDS_5;
    // croner counts the 5-field entries from 1 after an implied seconds field.
    const index = parts.length === 6 ? Number(entry[1]) : Number(entry[1]) - 1;
    if (names[index] !== undefined) position = fieldPosition(expression, names[index]);
  }
  return position === undefined ? raw : `${position}: ${raw}`;
}

/**
 * Checks a cron expression; throws `InvalidInputError` naming the field `cron`, croner's reason
 * and, where croner names the field at fault, its position:
 * `cron "61 * * * *": field 1 (minute) at column 1: invalid value "61"`.
 */
export function checkCron(expression: string): string {
  let never: boolean;
  try {
    never = cronOf(expression, 'UTC').nextRun(new Date(0)) === null;
  } catch (err) {
    throw new InvalidInputError(`cron ${JSON.stringify(expression)}: ${cronProblem(expression, err)}`);
  }
  if (never) throw new InvalidInputError(`cron ${JSON.stringify(expression)}: matches no time`);
  return expression;
}

/** Checks an IANA time zone name; throws `InvalidInputError` naming the field `timezone`. */
export function checkTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InvalidInputError(
      `timezone ${JSON.stringify(timezone)}: unknown time zone (use an IANA name such as 'Europe/Berlin' or 'UTC')`,
    );
  }
  return timezone;
}

/** The spec's next time strictly after `afterMs`, before `startAt` / `endAt` are applied. */
function rawNext(spec: ScheduleSpec, afterMs: number): number | null {
  if (spec.interval !== undefined) {
    const { everyMs, offsetMs } = spec.interval;
    return (Math.floor((afterMs - offsetMs) / everyMs) + 1) * everyMs + offsetMs;
  }
  const next = cronOf(spec.cron ?? '', spec.timezone).nextRun(new Date(afterMs));
  if (next === null) return null;
  // croner moves in whole seconds; a start inside a second may give that second back.
  return next.getTime() > afterMs ? next.getTime() : rawNext(spec, afterMs + 1000 - (afterMs % 1000));
}

/** The spec's next time strictly after `afterMs`, within `startAt` … `endAt`; `null` when none. */
export function nextTime(spec: ScheduleSpec, afterMs: number): number | null {
  const from = spec.startAt === undefined ? afterMs : Math.max(afterMs, spec.startAt - 1);
  const next = rawNext(spec, from);
  if (next === null) return null;
  return spec.endAt !== undefined && next > spec.endAt ? null : next;
}

/** Up to `limit` times after `afterMs` and at most `untilMs`, in order. */
export function timesBetween(spec: ScheduleSpec, afterMs: number, untilMs: number, limit: number): number[] {
  const out: number[] = [];
  let cursor = afterMs;
  while (out.length < limit) {
    const next = nextTime(spec, cursor);
    if (next === null || next > untilMs) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/**
 * The jitter of the run at `time`: a fixed offset in `[0, jitterMs)` from a hash of the
 * schedule id and the time, so every worker and every replay computes the same one.
 */
export function jitterOf(scheduleId: string, time: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  // FNV-1a over the id and the time.
  let hash = 0x811c9dc5;
  for (const ch of `${scheduleId}@${time}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % jitterMs;
}

/** ISO 8601 UTC, without milliseconds when they are zero: `2026-03-02T09:15:00Z`. */
export function isoTime(time: number): string {
  const iso = new Date(time).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** The instance id of a schedule's run at `time`: `<schedule id>@2026-03-02T09:15:00Z`. */
export function runInstanceId(scheduleId: string, time: number): string {
  return `${scheduleId}@${isoTime(time)}`;
}

/** The instance id of the schedule itself. */
export function scheduleInstanceId(scheduleId: string): string {
  return `${SCHEDULE_INSTANCE_PREFIX}${scheduleId}`;
}

/** Prefix of schedules' instance ids. */
export const SCHEDULE_INSTANCE_PREFIX = 'schedule:';
