/**
 * A schedule's state and the one pure function that moves it: `step(state, stimulus, now,
 * statuses)` applies a wake-up or a control message at time `now`, given the statuses of the
 * runs the overlap policy watches, and says which runs to start. No clock, no I/O: the schedule
 * orchestration calls it once per execution, in the execution's last turn (see
 * schedule-orchestration.ts for why).
 */
import { assertNever } from '../../core/exhaustive.js';
import { jitterOf, nextTime, runInstanceId, timesBetween } from './next-times.js';
import { applySchedulePatch } from './spec.js';
import type { OverlapPolicy, SchedulePatch, ScheduleRun, ScheduleRunKind, ScheduleSpec } from './types.js';

/** Recent runs kept in the state, newest first. */
export const RECENT_RUNS = 20;
/** Scheduled times handled in one step; more wake the schedule again at once. */
export const MAX_TIMES_PER_STEP = 1000;
/** Runs `buffer-all` keeps waiting at most; later ones are skipped. */
export const MAX_BUFFERED = 1000;
/** Times a backfill may cover. */
export const MAX_BACKFILL_TIMES = 1000;
/** First and longest delay between checks of a running run while others wait behind it. */
export const POLL_MIN_MS = 1000;
export const POLL_MAX_MS = 60_000;

/** A run waiting for the running one to end. */
export interface BufferedRun {
  scheduledAt: number;
  kind: ScheduleRunKind;
}

/** The state a schedule orchestration carries from execution to execution (its input). */
export interface ScheduleState {
  id: string;
  spec: ScheduleSpec;
  paused: boolean;
  note?: string;
  /** Scheduled runs left; `null`: unlimited. */
  remainingRuns: number | null;
  /** The last scheduled time handled (epoch ms); `null` before the first turn. */
  cursor: number | null;
  /** The next scheduled time after `cursor`, when any. */
  next: number | null;
  /** When the schedule wakes next (`null`: only for control messages). */
  wakeAt: number | null;
  /** The run the overlap policy watches until it ends. */
  running: string | null;
  buffer: BufferedRun[];
  /** Runs to cancel at the next wake-up (`cancel-other`). */
  toCancel: string[];
  pollMs: number;
  /** The time of the last trigger, so two triggers get distinct ids. */
  lastTriggerAt: number | null;
  recent: ScheduleRun[];
  updatedAt: number;
}

/** A control message, as `client.*Schedule` enqueue them on the schedule's `control` queue. */
export type ControlMessage =
  | { op: 'pause'; note?: string }
  | { op: 'resume' }
  | { op: 'trigger' }
  | { op: 'backfill'; from: number; to: number; overlap: OverlapPolicy }
  | { op: 'update'; patch: SchedulePatch };

/** What woke the schedule. */
export type Stimulus = { kind: 'init' } | { kind: 'wake' } | { kind: 'control'; message: ControlMessage };

/** A run to start. */
export interface RunStart {
  instanceId: string;
  orchestration: string;
  version?: string;
  input: unknown;
}

/** Run statuses as the built-in observer activity reports them. */
export type RunStatuses = Readonly<Record<string, string>>;

/** The state of a new schedule, before its first turn. */
export function initialState(
  id: string,
  spec: ScheduleSpec,
  paused: boolean,
  remainingRuns: number | undefined,
): ScheduleState {
  return {
    id,
    spec,
    paused,
    remainingRuns: remainingRuns ?? null,
    cursor: null,
    next: null,
    wakeAt: null,
    running: null,
    buffer: [],
    toCancel: [],
    pollMs: POLL_MIN_MS,
    lastTriggerAt: null,
    recent: [],
    updatedAt: 0,
  };
}

const ENDED = new Set(['Completed', 'Failed', 'NotFound']);

/** One step of a schedule (see the module comment). */
export class ScheduleStep {
  readonly state: ScheduleState;
  readonly starts: RunStart[] = [];
  /** Why an update message was not applied, when it was not. */
  rejected: string | undefined;
  readonly #now: number;

  constructor(previous: ScheduleState, now: number, statuses: RunStatuses) {
    this.state = JSON.parse(JSON.stringify(previous)) as ScheduleState;
    this.#now = now;
    const s = this.state;
    s.updatedAt = now;
    s.toCancel = [];
    if (s.running !== null && ENDED.has(statuses[s.running] ?? 'Running')) s.running = null;
    for (const entry of s.recent) {
      const status = statuses[entry.instanceId];
      if (status !== undefined && entry.action === 'started') entry.status = status as ScheduleRun['status'];
    }
  }

  /** Applies the stimulus, starts what is due and sets the next wake-up. */
  apply(stimulus: Stimulus): this {
    const s = this.state;
    this.#drainBuffer();
    switch (stimulus.kind) {
      case 'init':
        s.cursor = this.#now;
        break;
      case 'wake':
        break;
      case 'control':
        this.#control(stimulus.message);
        break;
      default:
        assertNever(stimulus);
    }
    const more = this.#takeDueTimes();
    s.next = s.paused || s.remainingRuns === 0 || s.cursor === null ? null : nextTime(s.spec, s.cursor);
    const wakes: number[] = [];
    if (s.next !== null) wakes.push(s.next + jitterOf(s.id, s.next, s.spec.jitterMs));
    if (more || s.toCancel.length > 0) wakes.push(this.#now);
    if (s.buffer.length > 0 && s.running !== null) {
      wakes.push(this.#now + s.pollMs);
      s.pollMs = Math.min(s.pollMs * 2, POLL_MAX_MS);
    } else {
      s.pollMs = POLL_MIN_MS;
    }
    s.wakeAt = wakes.length === 0 ? null : Math.min(...wakes);
    return this;
  }

  #control(message: ControlMessage): void {
    const s = this.state;
    const now = this.#now;
    switch (message.op) {
      case 'pause':
        s.paused = true;
        if (message.note === undefined) delete s.note;
        else s.note = message.note;
        return;
      case 'resume':
        s.paused = false;
        delete s.note;
        // Times that passed while paused are not caught up.
        s.cursor = Math.max(s.cursor ?? now, now);
        return;
      case 'update': {
        // The client checked the patch against the spec it read; one that no longer applies
        // (a concurrent update made it invalid) changes nothing.
        let compiled: ReturnType<typeof applySchedulePatch>;
        try {
          compiled = applySchedulePatch(s.spec, message.patch);
        } catch (err) {
          this.rejected = err instanceof Error ? err.message : String(err);
          return;
        }
        s.spec = compiled.spec;
        if (compiled.remainingRuns !== undefined) s.remainingRuns = compiled.remainingRuns;
        s.cursor = Math.max(s.cursor ?? now, now);
        return;
      }
      case 'trigger': {
        const at = Math.max(now, (s.lastTriggerAt ?? now - 1) + 1);
        s.lastTriggerAt = at;
        this.#admit({ scheduledAt: at, kind: 'trigger' }, s.spec.overlap);
        return;
      }
      case 'backfill':
        for (const time of timesBetween(s.spec, message.from - 1, message.to, MAX_BACKFILL_TIMES)) {
          this.#admit({ scheduledAt: time, kind: 'backfill' }, message.overlap);
        }
        return;
      default:
        assertNever(message);
    }
  }

  /** Handles the scheduled times up to now; true when more are due than one step takes. */
  #takeDueTimes(): boolean {
    const s = this.state;
    if (s.paused || s.cursor === null) return false;
    const windowStart = this.#now - s.spec.catchupWindowMs;
    let handled = 0;
    while (s.remainingRuns !== 0) {
      const time = nextTime(s.spec, s.cursor);
      if (time === null || time + jitterOf(s.id, time, s.spec.jitterMs) > this.#now) return false;
      if (handled >= MAX_TIMES_PER_STEP) return true;
      handled++;
      if (time < windowStart) {
        const missed = timesBetween(s.spec, s.cursor, windowStart - 1, MAX_TIMES_PER_STEP);
        const last = missed.at(-1) ?? time;
        s.cursor = last;
        this.#record(
          { scheduledAt: time, kind: 'catchup' },
          'skipped',
          `missed while no worker ran: ${missed.length}${missed.length === MAX_TIMES_PER_STEP ? '+' : ''} time(s) older than the catch-up window`,
        );
        continue;
      }
      s.cursor = time;
      // A time handled more than a minute late was missed while no worker ran.
      const kind: ScheduleRunKind = this.#now - time > 60_000 + s.spec.jitterMs ? 'catchup' : 'scheduled';
      if (this.#admit({ scheduledAt: time, kind }, s.spec.overlap) && s.remainingRuns !== null) {
        s.remainingRuns--;
      }
    }
    return false;
  }

  /** Applies the overlap policy to a run that is due; true when it was started or buffered. */
  #admit(run: BufferedRun, policy: OverlapPolicy): boolean {
    const s = this.state;
    if (s.running === null || policy === 'allow-all') {
      this.#start(run, policy);
      return true;
    }
    switch (policy) {
      case 'skip':
        this.#record(run, 'skipped', `the previous run ${s.running} was still running`);
        return false;
      case 'buffer-one':
        if (s.buffer.length >= 1) {
          this.#record(run, 'skipped', 'a run was already waiting (buffer-one)');
          return false;
        }
        break;
      case 'buffer-all':
        if (s.buffer.length >= MAX_BUFFERED) {
          this.#record(run, 'skipped', `${MAX_BUFFERED} runs were already waiting (buffer-all)`);
          return false;
        }
        break;
      case 'cancel-other':
        if (!s.toCancel.includes(s.running)) s.toCancel.push(s.running);
        for (const older of s.buffer.splice(0))
          this.#record(older, 'skipped', 'replaced by a newer run (cancel-other)');
        break;
      default:
        return assertNever(policy);
    }
    s.buffer.push(run);
    this.#record(run, 'buffered');
    return true;
  }

  /** Starts runs that waited, one at a time, while nothing runs. */
  #drainBuffer(): void {
    const s = this.state;
    while (s.running === null && s.buffer.length > 0) this.#start(s.buffer.shift()!, s.spec.overlap);
  }

  #start(run: BufferedRun, policy: OverlapPolicy): void {
    const s = this.state;
    const instanceId = runInstanceId(s.id, run.scheduledAt);
    this.starts.push({
      instanceId,
      orchestration: s.spec.orchestration,
      ...(s.spec.version === undefined ? {} : { version: s.spec.version }),
      input: s.spec.input,
    });
    if (policy !== 'allow-all') s.running = instanceId;
    this.#record(run, 'started');
  }

  #record(run: BufferedRun, action: ScheduleRun['action'], reason?: string): void {
    const s = this.state;
    const instanceId = runInstanceId(s.id, run.scheduledAt);
    const entry: ScheduleRun = {
      instanceId,
      scheduledAt: run.scheduledAt,
      kind: run.kind,
      action,
      at: this.#now,
      ...(reason === undefined ? {} : { reason }),
    };
    const existing = s.recent.findIndex((r) => r.instanceId === instanceId && r.action === 'buffered');
    if (existing >= 0) s.recent.splice(existing, 1);
    s.recent.unshift(entry);
    s.recent.length = Math.min(s.recent.length, RECENT_RUNS);
  }
}
