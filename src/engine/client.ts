/**
 * Client: starts orchestrations, raises events, reads status. It talks only to the provider,
 * so it works in any process that can reach the store, with or without a runtime.
 */
import { InvalidInputError } from '../core/errors.js';
import { encodePayload } from '../core/history.js';
import type { HistoryEvent, StartOrchestrationItem } from '../core/history.js';
import { ATTR, traced } from './otel.js';
import { sendInstanceMessage } from './instance-messages.js';
import { parsePayload } from './definitions.js';
import { checkOrchestration, typedStatus, type TypedOrchestrationStatus } from './typed-status.js';
import type { AnyOrchestrationDefinition } from './definitions.js';
import { checkInstanceId } from './instance-id.js';
import type { InputArgs, InputOf, OutputOf } from './replay/definition-refs.js';
import * as management from './management.js';
import { unrunnableOrchestrations } from './workers.js';
import * as schedules from './schedules/client-schedules.js';
import type {
  BackfillOptions,
  ScheduleDescription,
  ScheduleOptions,
  SchedulePatch,
  ScheduleSummary,
  TypedScheduleOptions,
} from './schedules/types.js';
import type { UnrunnableWork } from './workers.js';
import { failureError, statusOf, type OrchestrationStatus } from './orchestration-status.js';
import { watchHistory } from './history-watch.js';
import { pollInstance } from './instance-wait.js';
import type { WatchedEvent, WatchHistoryOptions } from './history-watch.js';
import type { ExecutionInfoView, HistoryEventView, InstanceInfoView, InstanceTree } from './management.js';
import type {
  DeleteInstanceResult,
  ExecutionInfo,
  InstanceChangeFilter,
  InstanceFilter,
  InstanceInfo,
  InstanceQuery,
  InstanceStats,
  InstanceStatus,
  Provider,
  PruneOptions,
  PruneResult,
  QueueDepths,
  SystemMetrics,
  WorkerRegistration,
} from '../core/provider.js';

export type { OrchestrationStatus } from './orchestration-status.js';

/**
 * Options of the Client's waits (`waitForOrchestration`, `waitForOrchestrationTyped`, `waitFor`,
 * `waitForStatusChange`, `waitForValue`).
 */
export interface WaitOptions {
  /** Stops the wait: it rejects with the signal's reason (an `AbortError` by default). */
  signal?: AbortSignal;
}

/** Options of {@link Client.tryStartOrchestration}. */
export interface StartOrchestrationOptions {
  /** Run exactly this version instead of the latest registered on the worker. */
  version?: string;
}

const MAX_POLL_MS = 100;

/** Non-terminal instances read per status by {@link Client.getUnrunnableWork}. */
export const UNRUNNABLE_SCAN_LIMIT = 1000;

/**
 * Starts orchestrations, raises events, reads status. `D` is the set of orchestration
 * definitions that {@link Client.start} and {@link Client.waitFor} accept: any by default;
 * `runtime.client()` after chained `runtime.register(...)` calls, or
 * `new Client<typeof a | typeof b>(provider)`, narrows it so that other definitions do not
 * compile.
 */
export class Client<D extends AnyOrchestrationDefinition = AnyOrchestrationDefinition> {
  readonly #provider: Provider;

  /** A client over `provider`; it neither opens nor closes the store. */
  constructor(provider: Provider) {
    this.#provider = provider;
  }

  /**
   * Starts an orchestration (latest version). The instance exists at once, with status
   * `Pending` until a worker runs its first turn. Starting an id that exists has no effect
   * (as in duroxide-node); {@link Client.tryStartOrchestration} tells whether it did.
   * Rejects with `InvalidInputError` for an empty, whitespace-only or control-character id.
   */
  async startOrchestration(instanceId: string, orchestrationName: string, input?: unknown): Promise<void> {
    await this.tryStartOrchestration(instanceId, orchestrationName, input);
  }

  /** Starts an orchestration pinned to `version`; otherwise like {@link Client.startOrchestration}. */
  async startOrchestrationVersioned(
    instanceId: string,
    orchestrationName: string,
    input: unknown,
    version: string,
  ): Promise<void> {
    await this.tryStartOrchestration(instanceId, orchestrationName, input, { version });
  }

  /**
   * Starts an orchestration unless the id is taken, and says which happened (a durox
   * addition): resolves `true` when this call created the instance (status `Pending` until a
   * worker runs its first turn), `false` when an instance with that id already exists in any
   * status — then nothing is written. The check and the start are one atomic store operation,
   * so of two concurrent calls with one id exactly one gets `true`. `options.version` pins the
   * version (default: the latest the worker has registered). Rejects with `InvalidInputError`
   * for an empty, whitespace-only or control-character id.
   */
  async tryStartOrchestration(
    instanceId: string,
    orchestrationName: string,
    input?: unknown,
    options: StartOrchestrationOptions = {},
  ): Promise<boolean> {
    const start: StartOrchestrationItem = {
      type: 'StartOrchestration',
      instance: checkInstanceId(instanceId),
      orchestration: String(orchestrationName),
      input: encodePayload(input),
      ...(options.version === undefined ? {} : { version: String(options.version) }),
      execution_id: 1,
    };
    return traced(
      `StartOrchestration:${start.orchestration}`,
      {
        [ATTR.instanceId]: start.instance,
        [ATTR.orchestrationName]: start.orchestration,
        ...(start.version === undefined ? {} : { [ATTR.orchestrationVersion]: start.version }),
      },
      async (trace, span) => {
        const created = await this.#provider.createInstance(trace ? { ...start, trace } : start);
        span?.setAttribute(ATTR.created, created);
        return created;
      },
    );
  }

  /**
   * Starts the orchestration `def` with an input of its input type: pinned to `def.version`
   * when the definition has one, else the latest registered version. With an input schema, a
   * bad input rejects with `PayloadValidationError` (code `INVALID_INPUT`) naming the field,
   * before anything is written. Resolves `true` when this call created the instance, `false`
   * when the id existed (then nothing is written), like {@link Client.tryStartOrchestration}.
   */
  async start<Def extends D>(
    def: Def,
    instanceId: string,
    ...args: InputArgs<InputOf<Def>>
  ): Promise<boolean> {
    checkOrchestration(def, 'start');
    const [input] = args;
    parsePayload(def, 'input', input);
    const options = def.version === undefined ? {} : { version: def.version };
    return this.tryStartOrchestration(instanceId, def.name, input, options);
  }

  /**
   * Waits until the orchestration `def` with id `instanceId` ends and returns its status, with
   * `output` of the definition's output type when it completed (the orchestration checked its
   * output against the schema before completing). Rejects with a `TimeoutError` after
   * `timeoutMs`, and with `InvalidInputError` when the instance runs another orchestration.
   * `options.signal` stops the wait as in {@link Client.waitForOrchestration}.
   */
  async waitFor<Def extends D>(
    def: Def,
    instanceId: string,
    timeoutMs = 30_000,
    options: WaitOptions = {},
  ): Promise<TypedOrchestrationStatus<OutputOf<Def>>> {
    checkOrchestration(def, 'waitFor');
    const status = await this.waitForOrchestration(instanceId, timeoutMs, options);
    const info = await this.#provider.getInstanceInfo(String(instanceId));
    if (info !== null && info.orchestrationName !== def.name) {
      throw new InvalidInputError(
        `instance '${instanceId}' runs orchestration '${info.orchestrationName}', not '${def.name}'`,
        { instanceId },
      );
    }
    return typedStatus<OutputOf<Def>>(status);
  }

  startOrchestrationTyped(instanceId: string, orchestrationName: string, input?: unknown): Promise<void> {
    return this.startOrchestration(instanceId, orchestrationName, input);
  }

  startOrchestrationVersionedTyped(
    instanceId: string,
    orchestrationName: string,
    input: unknown,
    version: string,
  ): Promise<void> {
    return this.startOrchestrationVersioned(instanceId, orchestrationName, input, version);
  }

  /** Raises a one-shot event for `waitForEvent(eventName)`. `InvalidInputError` for a bad id. */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    await this.#sendEvent('ExternalRaised', 'RaiseEvent', instanceId, eventName, data);
  }

  raiseEventTyped(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    return this.raiseEvent(instanceId, eventName, data);
  }

  /** Adds a message to an instance's FIFO queue, for `dequeueEvent(queueName)`. `InvalidInputError` for a bad id. */
  async enqueueEvent(instanceId: string, queueName: string, data?: unknown): Promise<void> {
    await this.#sendEvent('QueueMessage', 'EnqueueEvent', instanceId, queueName, data);
  }

  /** Raises or enqueues an event, in a span `RaiseEvent:<name>` / `EnqueueEvent:<name>`. */
  #sendEvent(
    type: 'ExternalRaised' | 'QueueMessage',
    spanName: string,
    instanceId: string,
    eventName: string,
    data: unknown,
  ): Promise<void> {
    const instance = checkInstanceId(instanceId);
    const name = String(eventName);
    const item = { type, instance, name, data: encodePayload(data) };
    return sendInstanceMessage(this.#provider, `${spanName}:${name}`, { [ATTR.eventName]: name }, item);
  }

  enqueueEventTyped(instanceId: string, queueName: string, data?: unknown): Promise<void> {
    return this.enqueueEvent(instanceId, queueName, data);
  }

  /**
   * Requests cancellation; the instance ends Failed ("canceled: reason") at its next turn — for
   * a `Pending` instance, the first turn, which records the start and the cancellation. No-op
   * when terminal or unknown. `InvalidInputError` for a bad id.
   */
  async cancelInstance(instanceId: string, reason = 'cancelled by client'): Promise<void> {
    const instance = checkInstanceId(instanceId);
    const message = { type: 'CancelInstance', instance, reason } as const;
    await sendInstanceMessage(this.#provider, 'CancelOrchestration', {}, message);
  }

  /**
   * Current status; `Pending` from the start until a worker has run the first turn. While the
   * instance runs, `waitingOn` says what its current execution waits on (derived from its
   * history: one more read).
   */
  async getStatus(instanceId: string): Promise<OrchestrationStatus> {
    const info = await this.#provider.getInstanceInfo(String(instanceId));
    const status = statusOf(info);
    if (info !== null) {
      const waitingOn = await management.waitingOnOf(this.#provider, info);
      if (waitingOn !== undefined) status.waitingOn = waitingOn;
    }
    return status;
  }

  /**
   * Waits until the instance is Completed or Failed and returns its status. Rejects with a
   * `TimeoutError` after `timeoutMs`. When `options.signal` aborts, the wait stops polling and
   * rejects at once with `signal.reason` (a `DOMException` named `AbortError` unless aborted with
   * a reason of its own); the instance is not affected.
   */
  async waitForOrchestration(
    instanceId: string,
    timeoutMs = 30_000,
    options: WaitOptions = {},
  ): Promise<OrchestrationStatus> {
    return this.pollUntil(
      instanceId,
      timeoutMs,
      (s) => s.status === 'Completed' || s.status === 'Failed',
      () => `timed out after ${timeoutMs} ms waiting for orchestration '${instanceId}'`,
      MAX_POLL_MS,
      options.signal,
      // Only the end matters: turns that leave the instance running wake no read.
      'end',
    );
  }

  /** Waits and returns the output; throws the failure as an Error. `options`: as `waitForOrchestration`. */
  async waitForOrchestrationTyped<T = unknown>(
    instanceId: string,
    timeoutMs = 30_000,
    options: WaitOptions = {},
  ): Promise<T> {
    const status = await this.waitForOrchestration(instanceId, timeoutMs, options);
    if (status.status === 'Failed') throw failureError(instanceId, status);
    return status.output as T;
  }

  /**
   * Waits until the custom status version exceeds `lastSeenVersion` (or the instance ends) and
   * returns the status. Rejects with a `TimeoutError` after `timeoutMs`; `options.signal` stops
   * the wait as in {@link Client.waitForOrchestration}.
   */
  async waitForStatusChange(
    instanceId: string,
    lastSeenVersion: number,
    pollIntervalMs = 500,
    timeoutMs = 30_000,
    options: WaitOptions = {},
  ): Promise<OrchestrationStatus> {
    return this.pollUntil(
      instanceId,
      timeoutMs,
      (s) => s.customStatusVersion > lastSeenVersion || s.status === 'Completed' || s.status === 'Failed',
      () => `timed out after ${timeoutMs} ms waiting for a status change of '${instanceId}'`,
      pollIntervalMs,
      options.signal,
    );
  }

  /** A KV value of an instance (live: includes the running execution's writes), or `null`. */
  async getValue(instanceId: string, key: string): Promise<string | null> {
    return this.#provider.getKvValue(String(instanceId), String(key));
  }

  /** All KV values of an instance (empty for unknown instances). */
  async getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    return this.#provider.getKvAllValues(String(instanceId));
  }

  /** Waits until `key` exists on the instance and returns its value. `options`: as `waitForOrchestration`. */
  async waitForValue(
    instanceId: string,
    key: string,
    timeoutMs = 30_000,
    options: WaitOptions = {},
  ): Promise<string> {
    const value = await pollInstance(this.#provider, instanceId, {
      read: () => this.getValue(instanceId, key),
      done: (v) => v !== null,
      timeoutMs,
      timeoutMessage: () => `Timed out waiting for value '${key}' on instance '${instanceId}'`,
      maxPollMs: MAX_POLL_MS,
      signal: options.signal,
    });
    return value!;
  }

  // ---- management ---------------------------------------------------------------------------

  /** Every instance id, newest first. */
  async listAllInstances(): Promise<string[]> {
    return (await this.#provider.listInstances()).map((i) => i.instanceId);
  }

  /** Ids of instances with `status` (`Pending`, or their current execution's), newest first. */
  async listInstancesByStatus(status: InstanceStatus): Promise<string[]> {
    return (await this.#provider.listInstances({ status })).map((i) => i.instanceId);
  }

  /** A filtered, sorted page of instances with their current execution (a durox addition). */
  listInstances(query: InstanceQuery = {}): Promise<InstanceInfo[]> {
    return this.#provider.listInstances(query);
  }

  /** How many instances match `query` (a durox addition). */
  countInstances(query: InstanceQuery = {}): Promise<number> {
    return this.#provider.countInstances(query);
  }

  /**
   * The stored record of an instance, or `null` for an unknown id (a durox addition): an
   * existence check that does not throw, with the output still encoded as stored.
   */
  findInstance(instanceId: string): Promise<InstanceInfo | null> {
    return this.#provider.getInstanceInfo(String(instanceId));
  }

  /**
   * The stored record of one execution, or `null` when the instance or the execution is unknown
   * (a durox addition; e.g. pruned). Carries the event count, as `getExecutionInfo` does.
   */
  findExecution(instanceId: string, executionId: number): Promise<ExecutionInfo | null> {
    return this.#provider.getExecutionInfo(String(instanceId), executionId);
  }

  /** Ids of the direct sub-orchestrations of an instance, in creation order (a durox addition). */
  listChildren(instanceId: string): Promise<string[]> {
    return this.#provider.listChildren(String(instanceId));
  }

  /**
   * The events of one execution exactly as stored, oldest first (a durox addition; payloads
   * stay encoded). {@link Client.readExecutionHistory} gives the decoded views.
   */
  readStoredHistory(instanceId: string, executionId: number): Promise<HistoryEvent[]> {
    return this.#provider.readHistory(String(instanceId), executionId);
  }

  /**
   * The workers registered in the store and not expired (a durox addition), or `null` when the
   * store keeps no worker registry.
   */
  async listWorkers(): Promise<WorkerRegistration[] | null> {
    if (this.#provider.listWorkers === undefined) return null;
    return this.#provider.listWorkers();
  }

  /** Instance details; rejects with `NotFoundError` for an unknown id. */
  getInstanceInfo(instanceId: string): Promise<InstanceInfoView> {
    return management.getInstanceInfo(this.#provider, String(instanceId));
  }

  /** One execution's details; rejects with `NotFoundError` when unknown. */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfoView> {
    return management.getExecutionInfo(this.#provider, String(instanceId), executionId);
  }

  /** Execution ids of an instance, ascending. */
  listExecutions(instanceId: string): Promise<number[]> {
    return this.#provider.listExecutions(String(instanceId));
  }

  /**
   * The history events of an instance as they are committed (a durox addition): an async
   * iterator for `for await`, yielding `{ executionId, event }` — the events already stored
   * (the current execution's, from `options.fromEventId`), then each new one as soon as the
   * provider signals its commit (no faster polling than `options.pollIntervalMs`, default
   * 100 ms, for writers it cannot hear). Follows continue-as-new into the next execution and
   * ends after the terminal event of a Completed or Failed execution; `break` releases the wait.
   * Rejects with `NotFoundError` for an unknown (or deleted) instance.
   */
  watchHistory(instanceId: string, options: WatchHistoryOptions = {}): AsyncIterableIterator<WatchedEvent> {
    return watchHistory(this.#provider, String(instanceId), options);
  }

  /** The events of one execution, oldest first. */
  async readExecutionHistory(instanceId: string, executionId: number): Promise<HistoryEventView[]> {
    return (await this.#provider.readHistory(String(instanceId), executionId)).map(management.toEventView);
  }

  /** The instance and all its sub-orchestrations (recursively). */
  getInstanceTree(instanceId: string): Promise<InstanceTree> {
    return management.getInstanceTree(this.#provider, String(instanceId));
  }

  /**
   * Deletes a root instance and its sub-orchestrations. Rejects with `NotFoundError`,
   * `CannotDeleteSubOrchestrationError` (delete the root), or `InstanceStillRunningError`
   * (pass `force`). A `Pending` instance needs no `force`: nothing of it has run, and its
   * queued start is withdrawn. The id can be started again afterwards.
   */
  async deleteInstance(instanceId: string, force = false): Promise<DeleteInstanceResult> {
    return management.deleteInstance(this.#provider, checkInstanceId(instanceId), force);
  }

  /** Deletes terminal root instances matching `filter` (default limit 1000), with their children. */
  deleteInstanceBulk(filter: InstanceFilter = {}): Promise<DeleteInstanceResult> {
    return this.#provider.deleteInstanceBulk(filter);
  }

  /** Deletes old executions of an instance; the current one is always kept. */
  pruneExecutions(instanceId: string, options: PruneOptions = {}): Promise<PruneResult> {
    return this.#provider.pruneExecutions(String(instanceId), options);
  }

  /** Prunes executions of every instance matching `filter`, running ones included. */
  pruneExecutionsBulk(filter: InstanceFilter = {}, options: PruneOptions = {}): Promise<PruneResult> {
    return this.#provider.pruneExecutionsBulk(filter, options);
  }

  getSystemMetrics(): Promise<SystemMetrics> {
    return this.#provider.getSystemMetrics();
  }

  getQueueDepths(): Promise<QueueDepths> {
    return this.#provider.getQueueDepths();
  }

  /**
   * Work that no running worker can run (a durox addition): the orchestration names (with
   * versions) of `Pending` and `Running` instances that no live registration knows, with
   * instance counts, plus the registrations checked. Such instances wait (and end as poison
   * after the unregistered-code backoff) until a worker that knows them starts. Reads at most
   * {@link UNRUNNABLE_SCAN_LIMIT} instances per status, newest first (`complete` is false when
   * there were more). Queued activities that no worker registers are not reported: the
   * provider contract has no cheap read of the worker queue's activity names. `null` when the
   * provider keeps no worker registry.
   */
  async getUnrunnableWork(): Promise<UnrunnableWork | null> {
    if (typeof this.#provider.listWorkers !== 'function') return null;
    const query = { limit: UNRUNNABLE_SCAN_LIMIT, orderBy: 'updatedAt' } as const;
    const [workers, pending, running] = await Promise.all([
      this.#provider.listWorkers(),
      this.#provider.listInstances({ ...query, status: 'Pending' }),
      this.#provider.listInstances({ ...query, status: 'Running' }),
    ]);
    return {
      workers,
      orchestrations: unrunnableOrchestrations(workers, [...pending, ...running]),
      complete: pending.length < UNRUNNABLE_SCAN_LIMIT && running.length < UNRUNNABLE_SCAN_LIMIT,
    };
  }

  // ---- schedules (docs/schedules.md) ---------------------------------------------------------

  /**
   * Creates a schedule that starts `orchestration` by `cron` (in `timezone`) or every
   * `interval`, as instances `<id>@<ISO time>`. Rejects with `INVALID_INPUT` naming the field
   * (a bad cron expression with the position of the error, an unknown time zone, an
   * orchestration no runtime of this process or live worker registers), `INSTANCE_EXISTS` when
   * the id is taken. Resolves with the new schedule's description.
   */
  createSchedule<Def extends D>(options: TypedScheduleOptions<Def>): Promise<ScheduleDescription>;
  /** Creates a schedule of an orchestration given by name (untyped input). */
  createSchedule(options: ScheduleOptions & { orchestration: string }): Promise<ScheduleDescription>;
  createSchedule(options: ScheduleOptions): Promise<ScheduleDescription> {
    return schedules.createSchedule(this.#provider, options);
  }

  /** The spec, state, next 5 times and recent runs with their outcomes; `NOT_FOUND` when unknown. */
  describeSchedule(id: string): Promise<ScheduleDescription> {
    return schedules.describeSchedule(this.#provider, id);
  }

  /** Every schedule of the store, by id. */
  listSchedules(): Promise<ScheduleSummary[]> {
    return schedules.listSchedules(this.#provider);
  }

  /** Changes a schedule's spec or action; times are taken again from now. Checked like `createSchedule`. */
  updateSchedule(id: string, patch: SchedulePatch): Promise<void> {
    return schedules.updateSchedule(this.#provider, id, patch);
  }

  /** Pauses a schedule, with an optional note: no scheduled runs until resumed. */
  pauseSchedule(id: string, note?: string): Promise<void> {
    return schedules.pauseSchedule(this.#provider, id, note);
  }

  /** Resumes a paused schedule from now (times that passed while paused are not caught up). */
  resumeSchedule(id: string): Promise<void> {
    return schedules.resumeSchedule(this.#provider, id);
  }

  /** Starts a run now (subject to the overlap policy), as `<id>@<ISO now>`. */
  triggerSchedule(id: string): Promise<void> {
    return schedules.triggerSchedule(this.#provider, id);
  }

  /** Starts the schedule's times in `[from, to]`, each once; resolves with how many times the range holds. */
  backfillSchedule(id: string, options: BackfillOptions): Promise<number> {
    return schedules.backfillSchedule(this.#provider, id, options);
  }

  /** Deletes a schedule (at once, from the store); runs it started go on. `NOT_FOUND` when unknown. */
  deleteSchedule(id: string): Promise<void> {
    return schedules.deleteSchedule(this.#provider, id);
  }

  /** Size figures of an instance, or `null` when unknown. */
  getOrchestrationStats(instanceId: string): Promise<InstanceStats | null> {
    return this.#provider.getInstanceStats(String(instanceId));
  }

  /**
   * Shared wait loop (see `instance-wait.ts`): wakes on provider change signals, falls back to
   * polling with backoff; once `signal` aborts it reads no more and rejects with its reason.
   * `changes` says which change signals wake it (see `Provider.waitForInstanceChange`).
   */
  protected async pollUntil(
    instanceId: string,
    timeoutMs: number,
    done: (status: OrchestrationStatus) => boolean,
    timeoutMessage: () => string,
    maxPollMs = MAX_POLL_MS,
    signal?: AbortSignal,
    changes: InstanceChangeFilter = 'any',
  ): Promise<OrchestrationStatus> {
    // Without `waitingOn`: a wait reads no history.
    const read = async (): Promise<OrchestrationStatus> =>
      statusOf(await this.#provider.getInstanceInfo(String(instanceId)));
    return pollInstance(this.#provider, instanceId, {
      read,
      done,
      timeoutMs,
      timeoutMessage,
      maxPollMs,
      signal,
      changes,
    });
  }
}
