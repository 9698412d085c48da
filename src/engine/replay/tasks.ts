/**
 * Task descriptors: what orchestration code `yield`s.
 *
 * A descriptor is inert data. Nothing is scheduled when it is created; the engine schedules it
 * when the orchestration yields it (alone, or inside `all` / `race`). This is duroxide-node's
 * model, so code written for it behaves the same.
 */
import type { RetryPolicyInput } from './retry-policy.js';

/** Marks the result type of a task for TypeScript; never present at run time. */
declare const resultType: unique symbol;

interface TaskBase<T> {
  readonly [resultType]?: T;
  /** Set by the `…Typed` variants: a string result that holds JSON is parsed once more. */
  _typed?: boolean;
}

export interface ActivityTask<T = unknown> extends TaskBase<T> {
  readonly type: 'activity';
  readonly name: string;
  readonly input: string;
  sessionId?: string;
  tag?: string;
  /** Routes the activity to workers that accept `tag` (see `workerTagFilter`). */
  withTag(tag: string): ActivityTask<T>;
}

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

export interface TimerTask extends TaskBase<null> {
  readonly type: 'timer';
  readonly delayMs: number;
}

export interface WaitEventTask<T = unknown> extends TaskBase<T> {
  readonly type: 'waitEvent';
  readonly name: string;
}

export interface DequeueEventTask<T = unknown> extends TaskBase<T> {
  readonly type: 'dequeueEvent';
  readonly queue: string;
}

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

export interface NewGuidTask extends TaskBase<string> {
  readonly type: 'newGuid';
}

export interface UtcNowTask extends TaskBase<number> {
  readonly type: 'utcNow';
}

export interface GetValueFromInstanceTask extends TaskBase<string | null> {
  readonly type: 'getValueFromInstance';
  readonly instanceId: string;
  readonly key: string;
}

export interface ContinueAsNewTask extends TaskBase<never> {
  readonly type: 'continueAsNew';
  readonly input: string;
  readonly version?: string;
}

/** Result item of `all`: the value, or the error message of a failed task. */
export type JoinResult<T = unknown> = { ok: T; err?: undefined } | { err: string; ok?: undefined };

export interface JoinTask<T = unknown> extends TaskBase<JoinResult<T>[]> {
  readonly type: 'join';
  readonly tasks: readonly Task[];
}

/** Result of `race`: which task finished first and its value (a failed winner gives its error message). */
export interface RaceResult<T = unknown> {
  index: number;
  value: T;
}

export interface SelectTask<T = unknown> extends TaskBase<RaceResult<T>> {
  readonly type: 'select';
  readonly tasks: readonly Task[];
}

/** Runs a nested generator as one task, so multi-step branches can be joined or raced. */
export interface ScopeTask<T = unknown> extends TaskBase<T> {
  readonly type: 'scope';
  readonly generator: Generator<Task, T, any>;
}

/** Everything orchestration code may yield. */
export type Task<T = any> =
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

export type TaskType = Task['type'];

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
