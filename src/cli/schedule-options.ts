/**
 * The flags of `durox schedule create` and `schedule update`, and their translation into the
 * library's `createSchedule` options and `updateSchedule` patch. Durations are parsed by the CLI
 * (`parseDuration`: bare numbers are seconds) and handed to the library in milliseconds; times are
 * ISO 8601 (UTC when no offset is given), epoch milliseconds, `now` or `now±<duration>`.
 */
import { Flags } from '@oclif/core';
import type {
  IntervalSpec,
  OverlapPolicy,
  ScheduleOptions,
  SchedulePatch,
} from '../engine/schedules/types.js';
import { durationFlag, integerFlag } from './flags.js';
import { parseDuration } from './durations.js';
import { usageError } from './errors.js';
import { instanceId, name, readJsonPayload, validate } from './input.js';

/** The overlap policies, as `--overlap` takes them. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'allow-all',
];

/** The optional fields `schedule update --clear` resets. */
export const CLEARABLE_FIELDS = ['start-at', 'end-at', 'jitter', 'remaining-runs', 'version'] as const;

/** One of {@link CLEARABLE_FIELDS}. */
export type ClearableField = (typeof CLEARABLE_FIELDS)[number];

/** A `--overlap` flag: one of {@link OVERLAP_POLICIES}. */
export const overlapFlag = Flags.custom<OverlapPolicy>({
  helpValue: '<policy>',
  parse: async (input, _ctx, opts) => {
    const policy = OVERLAP_POLICIES.find((p) => p === input.trim().toLowerCase());
    if (policy === undefined) {
      throw usageError(`--${opts.name} "${input}" is not one of ${OVERLAP_POLICIES.join(', ')}`);
    }
    return policy;
  },
});

/**
 * Parses a time flag: ISO 8601 (`2030-01-02T03:00:00Z`; no offset means UTC, a date alone is
 * midnight UTC), epoch milliseconds, `now`, or `now-<duration>` / `now+<duration>`. `nowMs` is
 * the time `now` stands for. Throws a usage error naming `flag`.
 */
export function parseTimeFlag(text: string, flag: string, nowMs: number): number {
  const value = text.trim();
  const relative = /^now\s*(?:([+-])\s*(.+))?$/i.exec(value);
  if (relative) {
    if (relative[1] === undefined) return nowMs;
    const ms = parseDuration(relative[2]!, flag);
    return relative[1] === '+' ? nowMs + ms : nowMs - ms;
  }
  if (/^\d+$/.test(value)) return Number(value);
  // Date-times without an offset are UTC here (JavaScript would read them as local time).
  const zoned = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(value) ? `${value}Z` : value;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(zoned) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw usageError(
      `${flag} "${text}" is not a time`,
      'use ISO 8601 (2030-01-02T03:00:00Z; UTC without an offset), epoch milliseconds, now, or now-1h / now+30m',
    );
  }
  return ms;
}

/**
 * Parses `--interval` (`1h`, or `1h+15m` for an offset) with `--offset`: the library's
 * `interval`, in milliseconds.
 */
export function parseInterval(text: string, offset: number | undefined): number | IntervalSpec {
  const [every, shift, ...extra] = text.split('+');
  if (extra.length > 0 || every === undefined || every.trim() === '' || shift?.trim() === '') {
    throw usageError(
      `--interval "${text}" is not an interval`,
      'use a duration (1h), or 1h+15m for an offset',
    );
  }
  const everyMs = parseDuration(every, '--interval');
  if (everyMs <= 0) throw usageError(`--interval "${text}" must be longer than 0`);
  if (shift !== undefined && offset !== undefined) {
    throw usageError(
      '--interval with an offset (1h+15m) cannot be used with --offset',
      'give the offset once',
    );
  }
  const offsetMs = shift === undefined ? offset : parseDuration(shift, '--interval offset');
  return offsetMs === undefined || offsetMs === 0 ? everyMs : { every: everyMs, offset: offsetMs };
}

/** Flags describing a schedule, shared by `create` and `update` (none required here). */
export const scheduleSpecFlags = {
  cron: Flags.string({
    description:
      'Cron expression: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro (@hourly, @daily …)',
    helpValue: '<expr>',
    exclusive: ['interval'],
  }),
  interval: Flags.string({
    description: 'Instead of --cron: a fixed period (15m, 1h), with an optional offset (1h+15m runs at :15)',
    helpValue: '<duration>',
  }),
  offset: durationFlag({
    description: 'With --interval: shifts the times (1h with --offset 15m runs at :15 past each hour)',
    dependsOn: ['interval'],
  }),
  timezone: Flags.string({
    description: 'IANA time zone of --cron (default UTC), e.g. Europe/Berlin',
    helpValue: '<zone>',
  }),
  jitter: durationFlag({ description: 'Start each run up to this long after its time (e.g. 30s)' }),
  'start-at': Flags.string({
    description: 'No runs before this time (ISO 8601, UTC without an offset; epoch ms; now±<duration>)',
    helpValue: '<time>',
  }),
  'end-at': Flags.string({ description: 'No runs after this time (as --start-at)', helpValue: '<time>' }),
  'remaining-runs': integerFlag({ min: 0 })({
    description: 'How many more scheduled runs to start (default unlimited)',
  }),
  orchestration: Flags.string({
    char: 'o',
    description: 'The orchestration each run starts',
    helpValue: '<name>',
  }),
  version: Flags.string({
    description: 'Pin the runs to this orchestration version (default: the latest on the worker)',
    helpValue: '<version>',
  }),
  input: Flags.string({
    description: 'Input of every run, as JSON',
    helpValue: '<json>',
    exclusive: ['input-file'],
  }),
  'input-file': Flags.string({
    description: 'Read the JSON input from a file (- for stdin)',
    helpValue: '<file>',
  }),
  overlap: overlapFlag({
    description:
      'When a run is due while the previous one runs: skip (default), buffer-one, buffer-all, cancel-other, allow-all',
  }),
  'catchup-window': durationFlag({
    description: 'After an outage, start missed runs at most this old (default 365d)',
  }),
  'allow-unknown-orchestration': Flags.boolean({
    description: 'Accept an orchestration that no live worker registers (yet)',
  }),
};

/** The parsed values of {@link scheduleSpecFlags}. */
export interface ScheduleSpecFlagValues {
  cron?: string | undefined;
  interval?: string | undefined;
  offset?: number | undefined;
  timezone?: string | undefined;
  jitter?: number | undefined;
  'start-at'?: string | undefined;
  'end-at'?: string | undefined;
  'remaining-runs'?: number | undefined;
  orchestration?: string | undefined;
  version?: string | undefined;
  input?: string | undefined;
  'input-file'?: string | undefined;
  overlap?: OverlapPolicy | undefined;
  'catchup-window'?: number | undefined;
  'allow-unknown-orchestration'?: boolean | undefined;
}

/** The fields both the options and the patch take the same way (all but cron/interval/paused). */
function commonFields(
  flags: ScheduleSpecFlagValues,
  nowMs: number,
): Omit<SchedulePatch, 'cron' | 'interval'> {
  const input = readJsonPayload(flags.input, flags['input-file'], 'input');
  return {
    ...(flags.timezone === undefined ? {} : { timezone: flags.timezone }),
    ...(flags.jitter === undefined ? {} : { jitter: flags.jitter }),
    ...(flags['start-at'] === undefined
      ? {}
      : { startAt: parseTimeFlag(flags['start-at'], '--start-at', nowMs) }),
    ...(flags['end-at'] === undefined ? {} : { endAt: parseTimeFlag(flags['end-at'], '--end-at', nowMs) }),
    ...(flags['remaining-runs'] === undefined ? {} : { remainingRuns: flags['remaining-runs'] }),
    ...(flags.orchestration === undefined
      ? {}
      : { orchestration: validate(name, flags.orchestration, '--orchestration') }),
    ...(flags.version === undefined ? {} : { version: validate(name, flags.version, '--version') }),
    ...(input === undefined ? {} : { input }),
    ...(flags.overlap === undefined ? {} : { overlap: flags.overlap }),
    ...(flags['catchup-window'] === undefined ? {} : { catchupWindow: flags['catchup-window'] }),
    ...(flags['allow-unknown-orchestration'] ? { allowUnknownOrchestration: true } : {}),
  };
}

/** `schedule create`: the flags and the id as `createSchedule` options. Throws usage errors. */
export function createOptionsFrom(
  id: string,
  flags: ScheduleSpecFlagValues & { paused?: boolean | undefined },
  nowMs: number,
): ScheduleOptions & { orchestration: string } {
  const scheduleId = validate(instanceId, id, 'schedule id');
  if (flags.orchestration === undefined) {
    throw usageError(
      'missing required flag --orchestration',
      'name the orchestration each run starts: -o <name>',
    );
  }
  const common = commonFields(flags, nowMs);
  const base = {
    ...common,
    id: scheduleId,
    orchestration: common.orchestration as string,
    ...(flags.paused ? { paused: true } : {}),
  } as Omit<ScheduleOptions, 'cron' | 'interval'>;
  type Options = ScheduleOptions & { orchestration: string };
  if (flags.cron !== undefined) return { ...base, cron: flags.cron } as Options;
  if (flags.interval !== undefined) {
    return { ...base, interval: parseInterval(flags.interval, flags.offset) } as Options;
  }
  throw usageError('give --cron or --interval', 'e.g. --cron "30 2 * * *" or --interval 1h');
}

/**
 * `schedule update`: the flags as an `updateSchedule` patch; `clear` lists the optional fields
 * to reset. Throws a usage error when nothing would change or a field is both set and cleared.
 */
export function patchFrom(
  flags: ScheduleSpecFlagValues,
  clear: readonly ClearableField[],
  nowMs: number,
): SchedulePatch {
  const patch: SchedulePatch = {
    ...commonFields(flags, nowMs),
    ...(flags.cron === undefined ? {} : { cron: flags.cron }),
    ...(flags.interval === undefined ? {} : { interval: parseInterval(flags.interval, flags.offset) }),
  };
  for (const field of clear) {
    if (flags[field] !== undefined) throw usageError(`--${field} cannot be used with --clear ${field}`);
    if (field === 'start-at') patch.startAt = null;
    else if (field === 'end-at') patch.endAt = null;
    else if (field === 'jitter') patch.jitter = null;
    else if (field === 'remaining-runs') patch.remainingRuns = null;
    else patch.version = null;
  }
  const changes = Object.keys(patch).filter((key) => key !== 'allowUnknownOrchestration');
  if (changes.length === 0) {
    throw usageError('nothing to update', 'pass the flags to change (see --help), or --clear <field>');
  }
  return patch;
}
