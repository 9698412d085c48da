/**
 * The public shapes of schedules: what `client.createSchedule` takes and what
 * `client.describeSchedule` / `client.listSchedules` return.
 */
import type { Duration, TimePoint } from '../../core/duration.js';
import type { AnyOrchestrationDefinition } from '../definitions.js';
import type { InputOf } from '../replay/definition-refs.js';

/**
 * What a schedule does when a run is due while its previous run still runs: `skip` the new one
 * (default), `buffer-one` (start it when the previous one ends; at most one waits, later ones
 * are skipped), `buffer-all` (start every one in turn), `cancel-other` (cancel the running one
 * and start the new one once it has ended), `allow-all` (start it at once).
 */
export type OverlapPolicy = 'skip' | 'buffer-one' | 'buffer-all' | 'cancel-other' | 'allow-all';

/** A fixed interval: times `k × every + offset` after the Unix epoch (UTC). */
export interface IntervalSpec {
  /** The period (`'15m'`, `'1h'`, ms). */
  every: Duration;
  /** Shifts the times (default 0): `{ every: '1h', offset: '15m' }` runs at :15 each hour. */
  offset?: Duration;
}

/** The fields every schedule has; a schedule has exactly one of `cron` or `interval`. */
interface ScheduleOptionsBase {
  /** The schedule id (its runs are `<id>@<ISO time>`). */
  id: string;
  /** IANA time zone of a `cron` expression (default `UTC`), e.g. `Europe/Berlin`. */
  timezone?: string;
  /** Starts each run up to this much after its time, by a fixed offset derived from the schedule id and time. */
  jitter?: Duration;
  /** No times before this point. */
  startAt?: TimePoint;
  /** No times after this point. */
  endAt?: TimePoint;
  /** How many more scheduled runs to start (triggers and backfills do not count); unlimited when absent. */
  remainingRuns?: number;
  /** The orchestration each run starts: its name, or a definition (its input is then checked against its schema). */
  orchestration: string | AnyOrchestrationDefinition;
  /** Pins the runs' version (default: the definition's version, else the latest on the worker). */
  version?: string;
  /** The input of every run. */
  input?: unknown;
  /** Default `skip`. */
  overlap?: OverlapPolicy;
  /**
   * Times missed while no worker ran are started when they are at most this old when the
   * schedule wakes (default `'365d'`); older ones are skipped.
   */
  catchupWindow?: Duration;
  /** Create the schedule paused (default false). */
  paused?: boolean;
  /**
   * Create the schedule even when no runtime of this process and no live worker of the store
   * registers the orchestration (default false: that is refused with `INVALID_INPUT`).
   */
  allowUnknownOrchestration?: boolean;
  /**
   * How long `createSchedule` waits (wall time) for a worker to run the schedule's first turn,
   * so the description it returns shows the next times (default `'10s'`; `0`: return at once).
   * It never waits when no runtime of this process and no live worker runs schedules.
   */
  waitForFirstTurn?: Duration;
}

/** Options of `client.createSchedule`: a `cron` expression or an `interval`, and the common fields. */
export type ScheduleOptions =
  | (ScheduleOptionsBase & {
      /** 5 or 6 fields (seconds first), names (`MON`, `JAN`) and macros (`@hourly`, `@daily`…). */
      cron: string;
      interval?: undefined;
    })
  | (ScheduleOptionsBase & {
      cron?: undefined;
      /** A fixed period, or `{ every, offset }`. */
      interval: Duration | IntervalSpec;
    });

/** `createSchedule` options for a typed definition: `input` has the definition's input type. */
export type TypedScheduleOptions<Def extends AnyOrchestrationDefinition> = ScheduleOptions & {
  orchestration: Def;
  input?: InputOf<Def>;
};

/**
 * Changes for `client.updateSchedule`: any field of {@link ScheduleOptions} but `id`. Giving
 * `cron` replaces an `interval` and the other way round; `null` clears an optional field.
 */
export interface SchedulePatch {
  cron?: string;
  interval?: Duration | IntervalSpec;
  timezone?: string;
  jitter?: Duration | null;
  startAt?: TimePoint | null;
  endAt?: TimePoint | null;
  remainingRuns?: number | null;
  orchestration?: string | AnyOrchestrationDefinition;
  version?: string | null;
  input?: unknown;
  overlap?: OverlapPolicy;
  catchupWindow?: Duration;
  allowUnknownOrchestration?: boolean;
}

/** A schedule's spec as stored: durations in ms, times in epoch ms. */
export interface ScheduleSpec {
  /** The cron expression, when the schedule has one. */
  cron?: string;
  /** The interval, when the schedule has one: times `k × everyMs + offsetMs` after the epoch. */
  interval?: { everyMs: number; offsetMs: number };
  /** IANA time zone of `cron`. */
  timezone: string;
  /** Upper bound of each run's jitter. */
  jitterMs: number;
  /** No times before (epoch ms). */
  startAt?: number;
  /** No times after (epoch ms). */
  endAt?: number;
  /** The orchestration each run starts. */
  orchestration: string;
  /** Its pinned version. */
  version?: string;
  /** The input of every run. */
  input: unknown;
  overlap: OverlapPolicy;
  /** Missed times at most this old are started when the schedule wakes. */
  catchupWindowMs: number;
}

/** Why a run was started or not. */
export type ScheduleRunKind = 'scheduled' | 'catchup' | 'trigger' | 'backfill';

/** One entry of a schedule's recent runs. */
export interface ScheduleRun {
  /** The run's instance id, `<schedule id>@<ISO time>`. */
  instanceId: string;
  /** The scheduled time (epoch ms); for a trigger, the time it was handled. */
  scheduledAt: number;
  kind: ScheduleRunKind;
  /** `started`, `skipped` (overlap policy, or missed beyond the catch-up window) or `buffered`. */
  action: 'started' | 'skipped' | 'buffered';
  /** When it was started or skipped (epoch ms, the schedule's clock). */
  at: number;
  /** Why it was skipped. */
  reason?: string;
  /**
   * The run instance's status when described (`NotFound` once deleted); only for started runs,
   * filled in by `describeSchedule`.
   */
  status?: 'NotFound' | 'Pending' | 'Running' | 'Completed' | 'Failed';
}

/** What `client.describeSchedule` returns. */
export interface ScheduleDescription {
  id: string;
  /** The schedule's instance id (`schedule:<id>`). */
  instanceId: string;
  spec: ScheduleSpec;
  state: {
    paused: boolean;
    note?: string;
    /** Scheduled runs left, when limited. */
    remainingRuns?: number;
    /** Last scheduled time handled (epoch ms). */
    lastScheduledAt?: number;
    /** When the schedule next wakes (epoch ms): a run's time plus jitter, or a check on a running run. */
    wakeAt?: number;
    /** Runs waiting for the running one to end (`buffer-one`, `buffer-all`, `cancel-other`). */
    buffered: number;
    /** The run the overlap policy watches, while it runs. */
    runningInstanceId?: string;
    /** `Pending` until a worker ran the schedule's first turn; `Running` while it lives. */
    status: 'Pending' | 'Running' | 'Completed' | 'Failed';
    /** Time of the last change (epoch ms). */
    updatedAt: number;
  };
  /** The next (up to 5) scheduled times, epoch ms, without jitter. */
  nextTimes: number[];
  /** Recent runs, newest first, with their outcome. */
  recentRuns: ScheduleRun[];
}

/** One line of `client.listSchedules`. */
export interface ScheduleSummary {
  id: string;
  instanceId: string;
  paused: boolean;
  note?: string;
  /** `cron` or `every <ms>` */
  spec: string;
  orchestration: string;
  /** The next scheduled time (epoch ms), when any. */
  nextTime?: number;
  /** The newest recent run, with its status when it was started. */
  lastRun?: ScheduleRun;
  status: 'Pending' | 'Running' | 'Completed' | 'Failed';
}

/** Options of `client.backfillSchedule`. */
export interface BackfillOptions {
  /** First time of the range (inclusive). */
  from: TimePoint;
  /** Last time of the range (inclusive). */
  to: TimePoint;
  /** Overlap policy of the backfilled runs (default `allow-all`: each time is started). */
  overlap?: OverlapPolicy;
}
