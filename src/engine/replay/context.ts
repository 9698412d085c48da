/**
 * OrchestrationContext: the API orchestration code uses. Methods that schedule work return task
 * descriptors to `yield`; state methods (custom status, KV, tracing) act at once.
 *
 * The API and result shapes are duroxide-node's; additions are n-ary and nested `race` / `all`,
 * generator objects as tasks (multi-step branches), and backoff objects in retry policies.
 */
import { encodePayload } from '../../core/history.js';
import { checkInstanceId } from '../instance-id.js';
import type { RetryPolicyInput } from './retry-policy.js';
import type { ActivityRef, InputArgs, InputOf, OrchestrationRef, OutputOf } from './definition-refs.js';
import { activityTask, checkRef, retryTask, subOrchestrationTask, tasksOf } from './task-builders.js';
import type { ActivityOptions } from './task-builders.js';
import { makeTask } from './tasks.js';
import type {
  ActivityTask,
  ActivityWithRetryTask,
  ContinueAsNewTask,
  DequeueEventTask,
  GetValueFromInstanceTask,
  JoinTask,
  NewGuidTask,
  SelectTask,
  StartOrchestrationTask,
  SubOrchestrationTask,
  JoinResults,
  RaceResults,
  Task,
  TimerTask,
  UtcNowTask,
  WaitEventTask,
  Yieldable,
} from './tasks.js';

export type { ActivityOptions } from './task-builders.js';

/** Log levels of `ctx.trace*`. */
export type TraceLevel = 'info' | 'warn' | 'error' | 'debug';

/** What the context needs from the execution that owns it. */
export interface ContextHost {
  readonly instanceId: string;
  readonly executionId: number;
  readonly orchestrationName: string;
  readonly orchestrationVersion: string;
  readonly replaying: boolean;
  /** Throws when called outside the execution's turn, naming `method`. */
  assertInTurn(method: string): void;
  setCustomStatus(status: string | null): void;
  getCustomStatus(): string | null;
  kvSet(key: string, value: string): void;
  kvGet(key: string): string | null;
  kvClear(key: string): void;
  kvClearAll(): void;
  kvEntries(): ReadonlyMap<string, { value: string; lastUpdatedAtMs: number }>;
  trace(level: TraceLevel, message: string): void;
}

/** Options of {@link OrchestrationContext.run}. */
export interface RunActivityOptions extends ActivityOptions {
  /** Retries the activity under this policy (like `scheduleActivityWithRetry`). */
  retry?: RetryPolicyInput;
}

/** Options of {@link OrchestrationContext.runSubOrchestration}. */
export interface RunSubOrchestrationOptions {
  /** The child's instance id (default `<this instance>::sub::<event id>`). */
  instanceId?: string;
  /** The child's version (default: the definition's version, else the latest registered). */
  version?: string;
}

/** The context handed to every orchestration function. */
export class OrchestrationContext {
  readonly #host: ContextHost;

  /** @internal */
  constructor(host: ContextHost) {
    this.#host = host;
  }

  /** The orchestration instance id. */
  get instanceId(): string {
    return this.#host.instanceId;
  }

  /** The execution number: 1, then +1 for each continue-as-new. */
  get executionId(): number {
    return this.#host.executionId;
  }

  get orchestrationName(): string {
    return this.#host.orchestrationName;
  }

  get orchestrationVersion(): string {
    return this.#host.orchestrationVersion;
  }

  /** True while the code re-runs over recorded history; false once it runs past it. */
  get isReplaying(): boolean {
    return this.#host.replaying;
  }

  // ---- activities ---------------------------------------------------------------------------

  /** Schedules an activity. Yields its result; a failure is thrown at the `yield`. */
  scheduleActivity<T = unknown>(name: string, input?: unknown, options?: ActivityOptions): ActivityTask<T> {
    return activityTask<T>(name, input, options);
  }

  /** Like `scheduleActivity`; a string result holding JSON is parsed once more. */
  scheduleActivityTyped<T = unknown>(
    name: string,
    input?: unknown,
    options?: ActivityOptions,
  ): ActivityTask<T> {
    return activityTask<T>(name, input, options, true);
  }

  /** Schedules an activity on the worker that owns `sessionId`. */
  scheduleActivityOnSession<T = unknown>(name: string, input: unknown, sessionId: string): ActivityTask<T> {
    return activityTask<T>(name, input, { sessionId });
  }

  scheduleActivityOnSessionTyped<T = unknown>(
    name: string,
    input: unknown,
    sessionId: string,
  ): ActivityTask<T> {
    return activityTask<T>(name, input, { sessionId }, true);
  }

  /**
   * Schedules an activity with retries. Backoff delays are durable timers; a per-attempt
   * `timeoutMs` that expires fails the call at once (no further attempts).
   */
  scheduleActivityWithRetry<T = unknown>(
    name: string,
    input: unknown,
    retry: RetryPolicyInput,
  ): ActivityWithRetryTask<T> {
    return retryTask<T>(name, input, retry, undefined, false);
  }

  scheduleActivityWithRetryTyped<T = unknown>(
    name: string,
    input: unknown,
    retry: RetryPolicyInput,
  ): ActivityWithRetryTask<T> {
    return retryTask<T>(name, input, retry, undefined, true);
  }

  /** Retries pinned to one session. */
  scheduleActivityWithRetryOnSession<T = unknown>(
    name: string,
    input: unknown,
    retry: RetryPolicyInput,
    sessionId: string,
  ): ActivityWithRetryTask<T> {
    return retryTask<T>(name, input, retry, sessionId, false);
  }

  scheduleActivityWithRetryOnSessionTyped<T = unknown>(
    name: string,
    input: unknown,
    retry: RetryPolicyInput,
    sessionId: string,
  ): ActivityWithRetryTask<T> {
    return retryTask<T>(name, input, retry, sessionId, true);
  }

  // ---- timers and events ---------------------------------------------------------------------

  /** A durable timer; yields `null` after `delayMs` (survives restarts). */
  scheduleTimer(delayMs: number): TimerTask {
    return makeTask<TimerTask>({ type: 'timer', delayMs: Math.max(0, Number(delayMs) || 0) });
  }

  /** Waits for the next `raiseEvent(instance, name, data)` raised after this subscription. */
  waitForEvent<T = unknown>(name: string): WaitEventTask<T> {
    return makeTask<WaitEventTask<T>>({ type: 'waitEvent', name: String(name) });
  }

  waitForEventTyped<T = unknown>(name: string): WaitEventTask<T> {
    return makeTask<WaitEventTask<T>>({ type: 'waitEvent', name: String(name), _typed: true });
  }

  /** Takes the next message of a FIFO event queue (messages wait until dequeued). */
  dequeueEvent<T = unknown>(queue: string): DequeueEventTask<T> {
    return makeTask<DequeueEventTask<T>>({ type: 'dequeueEvent', queue: String(queue) });
  }

  dequeueEventTyped<T = unknown>(queue: string): DequeueEventTask<T> {
    return makeTask<DequeueEventTask<T>>({ type: 'dequeueEvent', queue: String(queue), _typed: true });
  }

  /** Reads a KV value of another instance (recorded, so replay sees the same value). */
  getValueFromInstance(instanceId: string, key: string): GetValueFromInstanceTask {
    return makeTask<GetValueFromInstanceTask>({
      type: 'getValueFromInstance',
      instanceId: String(instanceId),
      key: String(key),
    });
  }

  // ---- sub-orchestrations --------------------------------------------------------------------

  /** Runs a child orchestration with id `<this instance>::sub::<event id>`; yields its output. */
  scheduleSubOrchestration<T = unknown>(name: string, input?: unknown): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, {});
  }

  scheduleSubOrchestrationTyped<T = unknown>(name: string, input?: unknown): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, {}, true);
  }

  /**
   * Runs a child orchestration with exactly `instanceId`. Throws `InvalidInputError` (in the
   * orchestration, which fails unless it catches it) for an empty, whitespace-only or
   * control-character id.
   */
  scheduleSubOrchestrationWithId<T = unknown>(
    name: string,
    instanceId: string,
    input?: unknown,
  ): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, { instanceId });
  }

  scheduleSubOrchestrationWithIdTyped<T = unknown>(
    name: string,
    instanceId: string,
    input?: unknown,
  ): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, { instanceId }, true);
  }

  /** Runs a child pinned to `version` (`null` = latest). */
  scheduleSubOrchestrationVersioned<T = unknown>(
    name: string,
    version: string | null,
    input?: unknown,
  ): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, { version });
  }

  scheduleSubOrchestrationVersionedWithId<T = unknown>(
    name: string,
    version: string | null,
    instanceId: string,
    input?: unknown,
  ): SubOrchestrationTask<T> {
    return subOrchestrationTask<T>(name, input, { version, instanceId });
  }

  /**
   * Starts an independent orchestration (no parent link); yields `null` at once. Throws
   * `InvalidInputError` for a bad `instanceId`, like {@link OrchestrationContext.scheduleSubOrchestrationWithId}.
   */
  startOrchestration(name: string, instanceId: string, input?: unknown): StartOrchestrationTask {
    return makeTask<StartOrchestrationTask>({
      type: 'orchestration',
      name: String(name),
      instanceId: checkInstanceId(instanceId, 'orchestration instance id'),
      input: encodePayload(input),
    });
  }

  startOrchestrationTyped(name: string, instanceId: string, input?: unknown): StartOrchestrationTask {
    return this.startOrchestration(name, instanceId, input);
  }

  startOrchestrationVersioned(
    name: string,
    version: string | null,
    instanceId: string,
    input?: unknown,
  ): StartOrchestrationTask {
    const task = this.startOrchestration(name, instanceId, input);
    if (version === null || version === undefined) return task;
    return makeTask<StartOrchestrationTask>({ ...task, version: String(version) });
  }

  startOrchestrationVersionedTyped(
    name: string,
    version: string | null,
    instanceId: string,
    input?: unknown,
  ): StartOrchestrationTask {
    return this.startOrchestrationVersioned(name, version, instanceId, input);
  }

  // ---- typed definitions (see defineActivity / defineOrchestration) ---------------------------

  /**
   * Runs an activity definition: `yield* ctx.run(charge, order)` is the activity's result,
   * typed by the definition. `options.retry` retries it (like `scheduleActivityWithRetry`),
   * `tag` and `sessionId` route it. Schedules exactly what `scheduleActivity(def.name, input)`
   * (or its retry and session variants) would, so history is the same.
   */
  run<D extends ActivityRef>(
    def: D,
    ...args: InputArgs<InputOf<D>, [options?: RunActivityOptions]>
  ): ActivityTask<OutputOf<D>> | ActivityWithRetryTask<OutputOf<D>> {
    checkRef(def, 'activity', 'run');
    const [input, options = {}] = args;
    if (options.retry === undefined) return activityTask<OutputOf<D>>(def.name, input, options);
    const task = retryTask<OutputOf<D>>(def.name, input, options.retry, options.sessionId, false);
    return options.tag === undefined || options.tag === null ? task : task.withTag(String(options.tag));
  }

  /**
   * Runs an orchestration definition as a child: `yield* ctx.runSubOrchestration(def, input)`
   * is its output, typed by the definition. The child runs `options.version`, else the
   * definition's version, else the latest registered; `options.instanceId` names it (see
   * {@link OrchestrationContext.scheduleSubOrchestrationWithId}).
   */
  runSubOrchestration<D extends OrchestrationRef>(
    def: D,
    ...args: InputArgs<InputOf<D>, [options?: RunSubOrchestrationOptions]>
  ): SubOrchestrationTask<OutputOf<D>> {
    checkRef(def, 'orchestration', 'runSubOrchestration');
    const [input, options = {}] = args;
    const version = options.version ?? def.version;
    return subOrchestrationTask<OutputOf<D>>(def.name, input, {
      ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
      ...(version === undefined ? {} : { version }),
    });
  }

  // ---- deterministic values -----------------------------------------------------------------

  /** A new UUID, recorded in history (the same value on replay). */
  newGuid(): NewGuidTask {
    return makeTask<NewGuidTask>({ type: 'newGuid' });
  }

  /** The current time in epoch ms, recorded in history. */
  utcNow(): UtcNowTask {
    return makeTask<UtcNowTask>({ type: 'utcNow' });
  }

  // ---- continue-as-new ----------------------------------------------------------------------

  /** Ends this execution and starts a fresh one (latest version) with `input`. Never resumes. */
  continueAsNew(input?: unknown): ContinueAsNewTask {
    return makeTask<ContinueAsNewTask>({ type: 'continueAsNew', input: encodePayload(input) });
  }

  continueAsNewTyped(input?: unknown): ContinueAsNewTask {
    return this.continueAsNew(input);
  }

  /** Continue-as-new onto `version` (`null` = latest). */
  continueAsNewVersioned(input: unknown, version?: string | null): ContinueAsNewTask {
    const task = this.continueAsNew(input);
    if (version === null || version === undefined) return task;
    return makeTask<ContinueAsNewTask>({ ...task, version: String(version) });
  }

  // ---- composition --------------------------------------------------------------------------

  /**
   * Waits for every task; yields `[{ok: value} | {err: message}]` in argument order. With
   * `yield*` the result is typed per task: `yield* ctx.all([a, b])` is
   * `[JoinResult<A>, JoinResult<B>]`.
   */
  all<const T extends readonly Yieldable[]>(tasks: T): JoinTask<unknown, JoinResults<T>>;
  /** `all` with an explicit item type: yields `JoinResult<T>[]`. */
  all<T = unknown>(tasks: readonly Yieldable[]): JoinTask<T>;
  all(tasks: readonly Yieldable[]): JoinTask {
    return makeTask<JoinTask>({ type: 'join', tasks: [...tasks] as Task[] });
  }

  /** Like `all`; string results holding JSON are parsed once more. */
  allTyped<const T extends readonly Yieldable[]>(tasks: T): JoinTask<unknown, JoinResults<T>>;
  allTyped<T = unknown>(tasks: readonly Yieldable[]): JoinTask<T>;
  allTyped(tasks: readonly Yieldable[]): JoinTask {
    return makeTask<JoinTask>({ type: 'join', tasks: [...tasks] as Task[], _typed: true });
  }

  /**
   * Waits for the first of two or more tasks; yields `{index, value}`. The winner is the task
   * whose completion comes first in history; the others are cancelled. A failed winner's
   * `value` is its error message. Takes the tasks as arguments or as one array; with `yield*`
   * the result is a union with one member per task (`{ index: 0; value: A } | …`).
   */
  race<const T extends readonly Yieldable[]>(tasks: T): SelectTask<unknown, RaceResults<T>>;
  race<const T extends readonly Yieldable[]>(...tasks: T): SelectTask<unknown, RaceResults<T>>;
  /** `race` with an explicit value type: yields `RaceResult<T>`. */
  race<T = unknown>(...tasks: (Yieldable | readonly Yieldable[])[]): SelectTask<T>;
  race(...tasks: (Yieldable | readonly Yieldable[])[]): SelectTask {
    return makeTask<SelectTask>({ type: 'select', tasks: tasksOf(tasks) as Task[] });
  }

  /** Like `race`; string results holding JSON are parsed once more. */
  raceTyped<const T extends readonly Yieldable[]>(tasks: T): SelectTask<unknown, RaceResults<T>>;
  raceTyped<const T extends readonly Yieldable[]>(...tasks: T): SelectTask<unknown, RaceResults<T>>;
  raceTyped<T = unknown>(...tasks: (Yieldable | readonly Yieldable[])[]): SelectTask<T>;
  raceTyped(...tasks: (Yieldable | readonly Yieldable[])[]): SelectTask {
    return makeTask<SelectTask>({ type: 'select', tasks: tasksOf(tasks) as Task[], _typed: true });
  }

  // ---- custom status ------------------------------------------------------------------------

  /**
   * Publishes a status that clients see (bumps `customStatusVersion`). A string is stored as is;
   * any other value is stored as its JSON text (`{ progress: 50 }` → `'{"progress":50}'`), which
   * clients read back as that string. `resetCustomStatus()` clears it.
   */
  setCustomStatus(status: unknown): void {
    this.#host.assertInTurn('setCustomStatus');
    this.#host.setCustomStatus(typeof status === 'string' ? status : encodePayload(status));
  }

  resetCustomStatus(): void {
    this.#host.assertInTurn('resetCustomStatus');
    this.#host.setCustomStatus(null);
  }

  getCustomStatus(): string | null {
    return this.#host.getCustomStatus();
  }

  // ---- KV state -----------------------------------------------------------------------------

  /** Stores a durable per-instance value (kept across continue-as-new). */
  setValue(key: string, value: string): void {
    this.#host.assertInTurn('setValue');
    this.#host.kvSet(String(key), String(value));
  }

  getValue(key: string): string | null {
    return this.#host.kvGet(String(key));
  }

  clearValue(key: string): void {
    this.#host.assertInTurn('clearValue');
    this.#host.kvClear(String(key));
  }

  clearAllValues(): void {
    this.#host.assertInTurn('clearAllValues');
    this.#host.kvClearAll();
  }

  getKvAllValues(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, entry] of this.#host.kvEntries()) out[key] = entry.value;
    return out;
  }

  getKvAllKeys(): string[] {
    return [...this.#host.kvEntries().keys()];
  }

  getKvLength(): number {
    return this.#host.kvEntries().size;
  }

  /** Clears every key last written before `cutoffMs`; returns how many were cleared. */
  pruneKvValuesUpdatedBefore(cutoffMs: number): number {
    this.#host.assertInTurn('pruneKvValuesUpdatedBefore');
    const stale = [...this.#host.kvEntries()].filter(([, e]) => e.lastUpdatedAtMs < cutoffMs).map(([k]) => k);
    for (const key of stale) this.#host.kvClear(key);
    return stale.length;
  }

  // ---- tracing (silent while replaying) ------------------------------------------------------

  traceInfo(message: string): void {
    this.#host.trace('info', String(message));
  }

  traceWarn(message: string): void {
    this.#host.trace('warn', String(message));
  }

  traceError(message: string): void {
    this.#host.trace('error', String(message));
  }

  traceDebug(message: string): void {
    this.#host.trace('debug', String(message));
  }
}
