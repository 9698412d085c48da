/**
 * Task descriptors: what orchestration code `yield`s.
 *
 * A descriptor is inert data. Nothing is scheduled when it is created; the engine schedules it
 * when the orchestration yields it (alone, or inside `all` / `race`). This is duroxide-node's
 * model, so code written for it behaves the same.
 *
 * Every descriptor is also iterable: `yield* task` yields the task itself (the engine sees the
 * same value as for `yield task`, so history is identical) and evaluates to its result, which
 * TypeScript types from the task (`yield* ctx.scheduleActivity<Receipt>(…)` is a `Receipt`).
 */
import type { RetryPolicyInput } from './retry-policy.js';

/** Marks the result type of a task for TypeScript; never present at run time. */
declare const resultType: unique symbol;

interface TaskBase<T> {
  readonly [resultType]?: T;
  /** Set by the `…Typed` variants: a string result that holds JSON is parsed once more. */
  _typed?: boolean;
  /** `yield* task` yields the task and evaluates to its result, typed `T`. */
  [Symbol.iterator](): Generator<this, T, unknown>;
}

/**
 * The prototype of every task descriptor: one shared iterator, so a task carries no iterator of
 * its own and its own (enumerable) fields are only its data — JSON and structural comparisons
 * see the same descriptor as before tasks were iterable.
 */
class TaskObject {
  *[Symbol.iterator](): Generator<this, unknown, unknown> {
    return yield this;
  }
}

/** A task's data fields, without the iterator its prototype supplies. */
export type TaskFields<K extends Task> = Omit<K, typeof Symbol.iterator>;

/** Makes a task descriptor from its fields (see {@link TaskObject}). */
export function makeTask<K extends Task>(fields: TaskFields<K>): K {
  return Object.assign(new TaskObject(), fields) as unknown as K;
}

/** An activity call (`scheduleActivity`, `ctx.run`); its result is the activity's result. */
export interface ActivityTask<T = unknown> extends TaskBase<T> {
  readonly type: 'activity';
  readonly name: string;
  readonly input: string;
  sessionId?: string;
  tag?: string;
  /** Routes the activity to workers that accept `tag` (see `workerTagFilter`). */
  withTag(tag: string): ActivityTask<T>;
}

/** An activity call under a retry policy (`scheduleActivityWithRetry`, `ctx.run` with `retry`). */
export interface ActivityWithRetryTask<T = unknown> extends TaskBase<T> {
  readonly type: 'activityWithRetry';
  readonly name: string;
  readonly input: string;
  readonly retry: RetryPolicyInput;
  sessionId?: string;
  tag?: string;
  /** Routes every attempt to workers that accept `tag`. */
  withTag(tag: string): ActivityWithRetryTask<T>;
}

/** A durable timer (`scheduleTimer`); its result is `null`. */
export interface TimerTask extends TaskBase<null> {
  readonly type: 'timer';
  readonly delayMs: number;
}

/** A wait for an external event (`waitForEvent`); its result is the event's data. */
export interface WaitEventTask<T = unknown> extends TaskBase<T> {
  readonly type: 'waitEvent';
  readonly name: string;
}

/** A take from an event queue (`dequeueEvent`); its result is the message's data. */
export interface DequeueEventTask<T = unknown> extends TaskBase<T> {
  readonly type: 'dequeueEvent';
  readonly queue: string;
}

/** A child orchestration (`scheduleSubOrchestration…`, `ctx.runSubOrchestration`); its result is the child's output. */
export interface SubOrchestrationTask<T = unknown> extends TaskBase<T> {
  readonly type: 'subOrchestration';
  readonly name: string;
  readonly input: string;
  readonly instanceId?: string;
  readonly version?: string;
}

/** Starts an independent orchestration (fire-and-forget); resolves to `null` at once. */
export interface StartOrchestrationTask extends TaskBase<null> {
  readonly type: 'orchestration';
  readonly name: string;
  readonly instanceId: string;
  readonly input: string;
  readonly version?: string;
}

/** A recorded new GUID (`newGuid`). */
export interface NewGuidTask extends TaskBase<string> {
  readonly type: 'newGuid';
}

/** The recorded current time in epoch ms (`utcNow`). */
export interface UtcNowTask extends TaskBase<number> {
  readonly type: 'utcNow';
}

/** A recorded read of another instance's KV value (`getValueFromInstance`). */
export interface GetValueFromInstanceTask extends TaskBase<string | null> {
  readonly type: 'getValueFromInstance';
  readonly instanceId: string;
  readonly key: string;
}

/** Ends the execution and starts a new one (`continueAsNew`); never resumes. */
export interface ContinueAsNewTask extends TaskBase<never> {
  readonly type: 'continueAsNew';
  readonly input: string;
  readonly version?: string;
}

/** Result item of `all`: the value, or the error message of a failed task. */
export type JoinResult<T = unknown> = { ok: T; err?: undefined } | { err: string; ok?: undefined };

/**
 * The task of `all`: its result is `R`, by default an array of {@link JoinResult}s of `T`; for
 * `ctx.all([a, b])` a tuple with one `JoinResult` per task.
 */
export interface JoinTask<T = unknown, R = JoinResult<T>[]> extends TaskBase<R> {
  readonly type: 'join';
  readonly tasks: readonly Task[];
}

/** Result of `race`: which task finished first and its value (a failed winner gives its error message). */
export interface RaceResult<T = unknown> {
  index: number;
  value: T;
}

/**
 * The task of `race`: its result is `R`, by default a {@link RaceResult} of `T`; for
 * `ctx.race(a, b)` a union with one `{ index, value }` member per task.
 */
export interface SelectTask<T = unknown, R = RaceResult<T>> extends TaskBase<R> {
  readonly type: 'select';
  readonly tasks: readonly Task[];
}

/** Runs a nested generator as one task, so multi-step branches can be joined or raced. */
export interface ScopeTask<T = unknown> extends TaskBase<T> {
  readonly type: 'scope';
  readonly generator: Generator<Task, T, unknown>;
}

/** Every task descriptor (what the `ctx` scheduling methods return). */
export type Task<T = unknown> =
  | ActivityTask<T>
  | ActivityWithRetryTask<T>
  | TimerTask
  | WaitEventTask<T>
  | DequeueEventTask<T>
  | SubOrchestrationTask<T>
  | StartOrchestrationTask
  | NewGuidTask
  | UtcNowTask
  | GetValueFromInstanceTask
  | ContinueAsNewTask
  | JoinTask<T>
  | SelectTask<T>
  | ScopeTask<T>;

/** The `type` field of every task kind. */
export type TaskType = Task['type'];

/**
 * What orchestration code may yield: a task, or a generator object (a multi-step branch, run
 * as one task; its return value is its result).
 */
export type Yieldable = Task | Generator<unknown, unknown, never>;

/**
 * The result type of a task or of a generator branch: what `yield* x` evaluates to
 * (`TaskResult<ActivityTask<Receipt>>` is `Receipt`).
 */
export type TaskResult<X> = X extends { [Symbol.iterator](): Iterator<unknown, infer R, never> }
  ? R
  : unknown;

/** Tasks that can fail (a failed race winner's value is its error message). */
type FailingTask =
  | {
      readonly type: 'activity' | 'activityWithRetry' | 'subOrchestration' | 'getValueFromInstance' | 'scope';
    }
  | Generator<unknown, unknown, never>;

/** The `value` of a race won by `X`: its result, or (for a task that can fail) an error message. */
export type RaceValue<X> = TaskResult<X> | (X extends FailingTask ? string : never);

/** A numeric tuple key (`'0'`) as a number literal (`0`). */
type IndexOf<K> = K extends `${infer N extends number}` ? N : number;

/** The result of `ctx.all(tasks)`: one {@link JoinResult} per task, in order. */
export type JoinResults<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: JoinResult<TaskResult<T[K]>>;
};

/** The result of `ctx.race(...tasks)`: one `{ index, value }` member per task. */
export type RaceResults<T extends readonly unknown[]> = {
  [K in keyof T]: { index: IndexOf<K>; value: RaceValue<T[K]> };
}[number];

const TASK_TYPES: ReadonlySet<string> = new Set<TaskType>([
  'activity',
  'activityWithRetry',
  'timer',
  'waitEvent',
  'dequeueEvent',
  'subOrchestration',
  'orchestration',
  'newGuid',
  'utcNow',
  'getValueFromInstance',
  'continueAsNew',
  'join',
  'select',
  'scope',
]);

/** True when `value` is a task descriptor made by an OrchestrationContext. */
export function isTask(value: unknown): value is Task {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    TASK_TYPES.has((value as { type: string }).type)
  );
}

/** Reserved prefix of built-in activities; user activities may not use it. */
export const SYSCALL_PREFIX = '__durox_syscall:';
export const SYSCALL_NEW_GUID = `${SYSCALL_PREFIX}new_guid`;
export const SYSCALL_UTC_NOW = `${SYSCALL_PREFIX}utc_now_ms`;
export const SYSCALL_GET_KV_VALUE = `${SYSCALL_PREFIX}get_kv_value`;
