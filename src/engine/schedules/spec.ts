/**
 * Schedule options compiled at the edge: `compileScheduleOptions` validates what
 * `client.createSchedule` is given with zod, fills defaults and returns the frozen
 * {@link ScheduleSpec} the schedule stores; `applySchedulePatch` does the same for
 * `client.updateSchedule`. Messages name the field.
 */
import { z } from 'zod';
import { toEpochMs, toMilliseconds } from '../../core/duration.js';
import { InvalidInputError } from '../../core/errors.js';
import { firstZodIssue } from '../../core/zod-issues.js';
import { isDefinition, parsePayload } from '../definitions.js';
import type { AnyOrchestrationDefinition } from '../definitions.js';
import { checkInstanceId } from '../instance-id.js';
import { checkCron, checkTimezone } from './next-times.js';
import type { ScheduleOptions, SchedulePatch, ScheduleSpec } from './types.js';

/** Default catch-up window: a year, as Temporal's. */
export const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;

const OVERLAP = z.enum(['skip', 'buffer-one', 'buffer-all', 'cancel-other', 'allow-all']);
const DURATION = z.union([z.number(), z.string()]);
const TIME_POINT = z.union([z.date(), z.number(), z.string()]);
const INTERVAL = z.union([DURATION, z.object({ every: DURATION, offset: DURATION.optional() }).strict()]);
const ORCHESTRATION = z.union([
  z.string().min(1, 'must be a non-empty orchestration name'),
  z.custom<AnyOrchestrationDefinition>(
    (v) => isDefinition(v) && v.kind === 'orchestration',
    'must be an orchestration name or a definition made by defineOrchestration',
  ),
]);

const COMMON = {
  timezone: z.string().optional(),
  startAt: TIME_POINT.optional(),
  endAt: TIME_POINT.optional(),
  remainingRuns: z.number().int().nonnegative().optional(),
  version: z.string().min(1).optional(),
  input: z.unknown().optional(),
  overlap: OVERLAP.optional(),
  catchupWindow: DURATION.optional(),
  jitter: DURATION.optional(),
  allowUnknownOrchestration: z.boolean().optional(),
};

const OPTIONS = z
  .object({
    id: z.string(),
    cron: z.string().optional(),
    interval: INTERVAL.optional(),
    orchestration: ORCHESTRATION,
    paused: z.boolean().optional(),
    waitForFirstTurn: DURATION.optional(),
    ...COMMON,
  })
  .strict();

const PATCH = z
  .object({
    cron: z.string().optional(),
    interval: INTERVAL.optional(),
    orchestration: ORCHESTRATION.optional(),
    timezone: z.string().optional(),
    startAt: TIME_POINT.nullable().optional(),
    endAt: TIME_POINT.nullable().optional(),
    remainingRuns: z.number().int().nonnegative().nullable().optional(),
    version: z.string().min(1).nullable().optional(),
    input: z.unknown().optional(),
    overlap: OVERLAP.optional(),
    catchupWindow: DURATION.optional(),
    jitter: DURATION.nullable().optional(),
    allowUnknownOrchestration: z.boolean().optional(),
  })
  .strict();

/** Runs `fn`, prefixing an `InvalidInputError`'s message with the field it checked. */
function field<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new InvalidInputError(message.startsWith(name) ? message : `${name}: ${message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstZodIssue(result.error);
  throw new InvalidInputError(`${what}: ${issue.path || 'options'}: ${issue.message}`);
}

function positive(name: string, ms: number): number {
  if (ms <= 0) throw new InvalidInputError(`${name}: must be more than 0 ms`);
  return ms;
}

/** `interval` as stored. */
function compileInterval(interval: z.infer<typeof INTERVAL>): { everyMs: number; offsetMs: number } {
  const { every, offset } = typeof interval === 'object' ? interval : { every: interval, offset: 0 };
  const everyMs = positive(
    'interval',
    field('interval', () => toMilliseconds(every)),
  );
  const offsetMs = field('interval.offset', () => toMilliseconds(offset ?? 0));
  return { everyMs, offsetMs: offsetMs % everyMs };
}

/** The run orchestration's name, version and checked input. */
function compileAction(
  orchestration: string | AnyOrchestrationDefinition,
  version: string | undefined,
  input: unknown,
): Pick<ScheduleSpec, 'orchestration' | 'version' | 'input'> {
  if (typeof orchestration === 'string') {
    return { orchestration, ...(version === undefined ? {} : { version }), input: input ?? null };
  }
  parsePayload(orchestration, 'input', input);
  const pinned = version ?? orchestration.version;
  return {
    orchestration: orchestration.name,
    ...(pinned === undefined ? {} : { version: pinned }),
    input: input ?? null,
  };
}

/** Checks the cross-field rules and freezes the spec. */
function finish(spec: ScheduleSpec): ScheduleSpec {
  if ((spec.cron === undefined) === (spec.interval === undefined)) {
    throw new InvalidInputError('schedule: give exactly one of cron or interval');
  }
  if (spec.cron !== undefined) checkCron(spec.cron);
  checkTimezone(spec.timezone);
  if (spec.startAt !== undefined && spec.endAt !== undefined && spec.endAt < spec.startAt) {
    throw new InvalidInputError('endAt: must not be before startAt');
  }
  if (spec.jitterMs < 0) throw new InvalidInputError('jitter: must not be negative');
  return Object.freeze(spec);
}

/** The compiled options of `createSchedule`. */
export interface CompiledScheduleOptions {
  id: string;
  spec: ScheduleSpec;
  paused: boolean;
  remainingRuns: number | undefined;
  allowUnknownOrchestration: boolean;
  /** How long to wait for a worker to run the first turn (ms). */
  firstTurnWaitMs: number;
}

/** How long `createSchedule` waits for a worker to run the schedule's first turn by default. */
export const DEFAULT_FIRST_TURN_WAIT_MS = 10_000;

/** Validates `createSchedule` options; throws `InvalidInputError` naming the field. */
export function compileScheduleOptions(options: ScheduleOptions): CompiledScheduleOptions {
  const o = parse(OPTIONS, options, 'createSchedule');
  const id = field('id', () => checkInstanceId(o.id, 'id'));
  const spec: ScheduleSpec = {
    ...(o.cron === undefined ? {} : { cron: o.cron }),
    ...(o.interval === undefined ? {} : { interval: compileInterval(o.interval) }),
    timezone: o.timezone ?? 'UTC',
    jitterMs: o.jitter === undefined ? 0 : field('jitter', () => toMilliseconds(o.jitter!)),
    ...(o.startAt === undefined ? {} : { startAt: field('startAt', () => toEpochMs(o.startAt!)) }),
    ...(o.endAt === undefined ? {} : { endAt: field('endAt', () => toEpochMs(o.endAt!)) }),
    ...compileAction(o.orchestration, o.version, o.input),
    overlap: o.overlap ?? 'skip',
    catchupWindowMs:
      o.catchupWindow === undefined
        ? DEFAULT_CATCHUP_WINDOW_MS
        : field('catchupWindow', () => toMilliseconds(o.catchupWindow!)),
  };
  return {
    id,
    spec: finish(spec),
    paused: o.paused ?? false,
    remainingRuns: o.remainingRuns,
    allowUnknownOrchestration: o.allowUnknownOrchestration ?? false,
    firstTurnWaitMs:
      o.waitForFirstTurn === undefined
        ? DEFAULT_FIRST_TURN_WAIT_MS
        : field('waitForFirstTurn', () => toMilliseconds(o.waitForFirstTurn!)),
  };
}

/** What a patch changes: the new spec, and `remainingRuns` when given (`null`: unlimited). */
export interface CompiledPatch {
  spec: ScheduleSpec;
  remainingRuns?: number | null;
  allowUnknownOrchestration: boolean;
  /** Whether the run orchestration changed (it is checked again). */
  orchestrationChanged: boolean;
}

/** Applies `patch` to `spec`; throws `InvalidInputError` naming the field. */
export function applySchedulePatch(spec: ScheduleSpec, patch: SchedulePatch): CompiledPatch {
  const p = parse(PATCH, patch, 'updateSchedule');
  if (p.cron !== undefined && p.interval !== undefined) {
    throw new InvalidInputError('updateSchedule: give at most one of cron or interval');
  }
  const next: ScheduleSpec = { ...spec };
  if (p.cron !== undefined) {
    next.cron = p.cron;
    delete next.interval;
  }
  if (p.interval !== undefined) {
    next.interval = compileInterval(p.interval);
    delete next.cron;
  }
  if (p.timezone !== undefined) next.timezone = p.timezone;
  if (p.jitter !== undefined)
    next.jitterMs = p.jitter === null ? 0 : field('jitter', () => toMilliseconds(p.jitter!));
  if (p.startAt === null) delete next.startAt;
  else if (p.startAt !== undefined) next.startAt = field('startAt', () => toEpochMs(p.startAt!));
  if (p.endAt === null) delete next.endAt;
  else if (p.endAt !== undefined) next.endAt = field('endAt', () => toEpochMs(p.endAt!));
  if (p.overlap !== undefined) next.overlap = p.overlap;
  if (p.catchupWindow !== undefined) {
    next.catchupWindowMs = field('catchupWindow', () => toMilliseconds(p.catchupWindow!));
  }
  const orchestrationChanged = p.orchestration !== undefined || p.version !== undefined || 'input' in p;
  if (orchestrationChanged) {
    const version =
      p.version === null
        ? undefined
        : (p.version ?? (p.orchestration === undefined ? spec.version : undefined));
    const action = compileAction(
      p.orchestration ?? spec.orchestration,
      version,
      'input' in p ? p.input : spec.input,
    );
    delete next.version;
    Object.assign(next, action);
  }
  return {
    spec: finish(next),
    ...(p.remainingRuns === undefined ? {} : { remainingRuns: p.remainingRuns }),
    allowUnknownOrchestration: p.allowUnknownOrchestration ?? false,
    orchestrationChanged,
  };
}
