/**
 * Runtime observers: typed callbacks the runtime calls when an activity or an orchestration turn
 * ends, when an execution reaches a terminal state, and after each store operation of its
 * dispatchers. They feed metrics (`createPrometheusMetrics`) or anything else; they cannot change
 * what the runtime does. A callback that throws (or returns a promise that rejects) is logged
 * once per callback name and otherwise ignored. Without observers nothing is measured.
 */
import type { Logger } from '../logger.js';

/**
 * How one activity execution ended.
 *
 * - `success`: the activity returned and its result was recorded.
 * - `app_error`: the activity threw (or returned a value JSON cannot hold); the failure was recorded.
 * - `infra_error`: the result could not be committed; the item is retried.
 * - `config_error`: the activity is not registered on this runtime (nor on another live worker);
 *   the item is retried after the unregistered backoff. The code did not run.
 * - `poison`: the item was delivered more than `maxAttempts` times; recorded as a poison failure.
 *   The code did not run.
 * - `cancelled`: the orchestration no longer wanted the result (lost race, ended) or the lease
 *   was lost; the result was discarded.
 * - `abandoned`: the runtime shut down while the activity ran and gave the item back to the
 *   store for another worker.
 */
export type ActivityOutcome =
  'success' | 'app_error' | 'infra_error' | 'config_error' | 'poison' | 'cancelled' | 'abandoned';

/** Every {@link ActivityOutcome}, in documentation order. */
export const ACTIVITY_OUTCOMES: readonly ActivityOutcome[] = Object.freeze([
  'success',
  'app_error',
  'infra_error',
  'config_error',
  'poison',
  'cancelled',
  'abandoned',
]);

/** An activity execution, as {@link RuntimeObservers.activityStart} receives it. */
export interface ActivityStartEvent {
  /** The activity's registered name. Activities have no version of their own. */
  name: string;
  instanceId: string;
  executionId: number;
  /** The `ActivityScheduled` event id: unique within the execution. */
  activityId: number;
  /** Name of the orchestration that scheduled it (`null` for items written by older versions). */
  orchestrationName: string | null;
  /** Version of that orchestration (`null` when unknown). */
  orchestrationVersion: string | null;
  /** Routing tag, or `null` for untagged activities. */
  tag: string | null;
  /** Session id, or `null` outside sessions. */
  sessionId: string | null;
  /** Delivery attempt of the work item, from 1. */
  attempt: number;
  /** The activity context's `workerId` (`work-<slot>-<runtime id or workerNodeId>`). */
  workerId: string;
}

/** The end of an activity execution ({@link RuntimeObservers.activityEnd}). */
export interface ActivityEndEvent extends ActivityStartEvent {
  outcome: ActivityOutcome;
  /** From the start of the code to its end (0 for `poison` and `config_error`: no code ran). */
  durationMs: number;
}

/**
 * How an orchestration turn ended: the execution is still `running`, it `completed`, `failed`
 * or `continued_as_new`, or the turn was `abandoned` (the batch was given back to the store to be
 * retried: code not registered here, commit failed, lease lost).
 */
export type TurnOutcome = 'running' | 'completed' | 'failed' | 'continued_as_new' | 'abandoned';

/** Every {@link TurnOutcome}. */
export const TURN_OUTCOMES: readonly TurnOutcome[] = Object.freeze([
  'running',
  'completed',
  'failed',
  'continued_as_new',
  'abandoned',
]);

/** What began the execution a turn started (duroxide's `initiated_by`). */
export type ExecutionInitiator = 'client' | 'suborchestration' | 'continue_as_new';

/** The end of one orchestration turn ({@link RuntimeObservers.turnEnd}). */
export interface TurnEndEvent {
  /** Orchestration name (from history, or the queued start when the turn ran no code). */
  name: string;
  /** Orchestration version, or `null` when the turn never resolved one (e.g. not registered). */
  version: string | null;
  instanceId: string;
  executionId: number;
  outcome: TurnOutcome;
  /** From the fetch of the batch to the commit (or the give-back). */
  durationMs: number;
  /** Events in the execution's history after the turn (before it, for `abandoned`). */
  historyEvents: number;
  /** Events this turn appended (0 for `abandoned`). */
  newEvents: number;
  /** Set when this turn began the execution. */
  initiatedBy?: ExecutionInitiator;
  /** Delivery attempt of the batch, from 1. */
  attempt: number;
}

/** Terminal states of an execution. */
export type TerminalStatus = 'completed' | 'failed' | 'continued_as_new';

/** Categories of an orchestration failure (as in the stored failure details). */
export type FailureCategory = 'application' | 'infrastructure' | 'configuration' | 'poison';

/** An execution that ended ({@link RuntimeObservers.orchestrationTerminal}). */
export interface OrchestrationTerminalEvent {
  name: string;
  version: string | null;
  instanceId: string;
  executionId: number;
  status: TerminalStatus;
  /** For `failed`: the failure's category. */
  errorCategory?: FailureCategory;
}

/** One store operation of the runtime ({@link RuntimeObservers.providerOperation}). */
export interface ProviderOperationEvent {
  /** duroxide's snake_case name of the provider method: `fetch_work_item`, `ack_orchestration_item`, … */
  operation: string;
  durationMs: number;
  ok: boolean;
  /** What the operation threw, when `ok` is false. */
  error?: unknown;
}

/**
 * Observation hooks of a runtime (the `observers` runtime option, or `runtime.observe()` before
 * `start()`). Every callback is optional and called synchronously by the runtime; keep them
 * cheap. A callback that throws is logged once (per callback) and otherwise ignored.
 *
 * Provider operations are the store calls of the runtime's dispatchers, lease renewals and
 * worker registry; waits for new work and calls made through `runtime.client()` are not timed.
 * Without observers the runtime does not time anything.
 */
export interface RuntimeObservers {
  /** An activity's code is about to run. */
  activityStart?(event: ActivityStartEvent): void;
  /** An activity execution ended (also `poison` and `config_error` items, which run no code). */
  activityEnd?(event: ActivityEndEvent): void;
  /** An orchestration turn was committed or given back. */
  turnEnd?(event: TurnEndEvent): void;
  /** An execution ended (after the turn that ended it was committed). */
  orchestrationTerminal?(event: OrchestrationTerminalEvent): void;
  /** A store operation finished. */
  providerOperation?(event: ProviderOperationEvent): void;
}

/** The callback names of {@link RuntimeObservers}. */
export type ObserverName = keyof RuntimeObservers;

/** Every callback name. */
export const OBSERVER_NAMES: readonly ObserverName[] = Object.freeze([
  'activityStart',
  'activityEnd',
  'turnEnd',
  'orchestrationTerminal',
  'providerOperation',
]);

type EventOf<K extends ObserverName> = Parameters<NonNullable<RuntimeObservers[K]>>[0];

/**
 * The runtime's fan-out to its observers: each call reaches every observer that has the
 * callback, each guarded. @internal
 */
export class ObserverHub {
  readonly #lists: { [K in ObserverName]: NonNullable<RuntimeObservers[K]>[] } = {
    activityStart: [],
    activityEnd: [],
    turnEnd: [],
    orchestrationTerminal: [],
    providerOperation: [],
  };
  readonly #reported = new Set<ObserverName>();

  constructor(private readonly logger: Logger) {}

  /** Adds the callbacks of `observers`. */
  add(observers: RuntimeObservers): void {
    for (const name of OBSERVER_NAMES) {
      const callback = observers[name];
      if (callback !== undefined) (this.#lists[name] as unknown[]).push(callback.bind(observers));
    }
  }

  /** Whether anyone listens for `name` (callers skip measuring when not). */
  has(name: ObserverName): boolean {
    return this.#lists[name].length > 0;
  }

  /** Whether any callback at all was added. */
  get any(): boolean {
    return OBSERVER_NAMES.some((name) => this.#lists[name].length > 0);
  }

  /** Calls every `name` callback with `event`; errors are logged once per callback name. */
  emit<K extends ObserverName>(name: K, event: EventOf<K>): void {
    for (const callback of this.#lists[name] as ((e: EventOf<K>) => unknown)[]) {
      try {
        const result = callback(event);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#failed(name, err));
        }
      } catch (err) {
        this.#failed(name, err);
      }
    }
  }

  #failed(name: ObserverName, err: unknown): void {
    if (this.#reported.has(name)) return;
    this.#reported.add(name);
    this.logger.log('error', `runtime observer ${name} threw; its later errors are not logged`, {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
