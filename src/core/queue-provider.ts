/**
 * The queue half of the provider contract: what the runtime needs to run turns and activities
 * (the two queues under peek-lock leases, history and KV reads, the worker registry and
 * wake-ups). See `provider.ts` for the whole contract.
 *
 * Times are epoch milliseconds from the calling process's clock.
 */
import type {
  ActivityExecuteItem,
  HistoryEvent,
  OrchestratorWorkItem,
  StartOrchestrationItem,
} from './history.js';
import type { ExecutionStatus, InstanceInfo } from './management-provider.js';

/** A KV value with the turn time that last wrote it. */
export interface KvEntry {
  value: string;
  lastUpdatedAtMs: number;
}

/** A locked batch of all visible messages of one instance, with its current history. */
export interface OrchestrationItem {
  instanceId: string;
  /** From the instance row, or from the start message for a new instance. */
  orchestrationName: string;
  orchestrationVersion: string | null;
  /** The instance's current execution id (1 for a new instance). */
  executionId: number;
  /** Events of the current execution, ordered by event_id. Empty for a new instance. */
  history: HistoryEvent[];
  /** Every message of the instance visible at fetch time, in enqueue order. */
  messages: OrchestratorWorkItem[];
  lockToken: string;
  /** Highest delivery attempt among the messages (1 on first delivery). */
  attemptCount: number;
  /** KV state committed by previous executions (not the current one). */
  kvSnapshot: Record<string, KvEntry>;
  /** Set when stored history could not be decoded; `history` is then empty. */
  historyError?: string;
}

/** A KV change made by a turn. */
export type KvMutation =
  | { op: 'set'; key: string; value: string; lastUpdatedAtMs: number }
  | { op: 'clear'; key: string }
  | { op: 'clearAll' };

/** An orchestrator message and when it becomes visible. */
export interface OutgoingOrchestratorItem {
  item: OrchestratorWorkItem;
  /** Epoch ms; absent or past means immediately. Timers use their fire time. */
  visibleAtMs?: number;
}

/** Identifies an activity whose pending work item must be withdrawn ("lock stealing"). */
export interface ScheduledActivityId {
  instanceId: string;
  executionId: number;
  activityId: number;
}

/** Everything one orchestration turn commits, atomically. */
export interface OrchestrationAck {
  /** Execution the delta belongs to (current + 1 when the turn started a continue-as-new execution). */
  executionId: number;
  /** New events, with engine-assigned event ids; appended, never overwriting. */
  historyDelta: HistoryEvent[];
  workerItems: ActivityExecuteItem[];
  orchestratorItems: OutgoingOrchestratorItem[];
  /** Activities to withdraw from the worker queue; applied after `workerItems` are inserted. */
  cancelledActivities: ScheduledActivityId[];
  /**
   * Instance and execution bookkeeping. The instance row is created only when
   * `orchestrationName` is present (a turn that drops orphan messages passes none).
   */
  metadata: {
    orchestrationName?: string;
    orchestrationVersion?: string;
    parentInstanceId?: string;
    /** New status of the execution; absent leaves it Running. */
    status?: ExecutionStatus;
    /** Output (Completed), error details JSON (Failed) or next input (ContinuedAsNew). */
    output?: string;
  };
  /** The last custom status written by the turn (`null` clears it); absent = unchanged. */
  customStatus?: { status: string | null };
  kvMutations: KvMutation[];
}

/** Which activity tags a worker accepts. */
export type TagFilter =
  | { mode: 'defaultOnly' }
  | { mode: 'tags'; tags: string[] }
  | { mode: 'defaultAnd'; tags: string[] }
  | { mode: 'any' }
  | { mode: 'none' };

/** Session routing for a worker fetch. */
export interface SessionFetchConfig {
  ownerId: string;
  lockTimeoutMs: number;
}

/** What a worker-queue fetch may return. */
export interface FetchWorkItemOptions {
  tagFilter: TagFilter;
  /** Without it only items that have no session are returned. */
  session?: SessionFetchConfig;
  /**
   * Activity names whose items this fetch must skip: other running workers run them and this
   * one does not (see {@link WorkerRegistration}). Absent or empty = no name is skipped.
   */
  skipActivities?: string[];
}

/** Options of an orchestration fetch. */
export interface FetchOrchestrationItemOptions {
  /**
   * Orchestration names whose instances this fetch must skip: other running workers run them
   * and this one does not. An instance's name comes from its instance row, else from its start
   * message (`StartOrchestration.orchestration`); messages of an instance with neither (orphans)
   * are never skipped. Absent or empty = no name is skipped.
   */
  skipOrchestrations?: string[];
}

/** What a running runtime announces it can run, so others leave that work to it. */
export interface WorkerRegistrationInput {
  /** Unique per runtime (process); re-registering the same id replaces its entry. */
  workerId: string;
  /** Registered orchestration names, each with its registered versions. */
  orchestrations: Record<string, string[]>;
  /** Registered activity names. */
  activities: string[];
}

/** A live worker registration as stored. */
export interface WorkerRegistration extends WorkerRegistrationInput {
  /** Epoch ms of the first registration of this id. */
  registeredAt: number;
  /** Epoch ms of the last heartbeat. */
  heartbeatAt: number;
  /** Epoch ms after which the registration no longer counts (no heartbeat since). */
  expiresAt: number;
}

/** A locked activity execution. */
export interface WorkItemLease {
  item: ActivityExecuteItem;
  lockToken: string;
  attemptCount: number;
}

/**
 * Runtime options a provider recommends for itself (see {@link QueueProvider.recommendedRuntimeOptions}).
 * A runtime applies each one the user did not set; explicit options always win.
 */
export interface RecommendedRuntimeOptions {
  /** Orchestration turns processed concurrently. */
  orchestrationConcurrency?: number;
  /** Activities run concurrently. */
  workerConcurrency?: number;
}

/**
 * What a runtime asks of {@link QueueProvider.ackOrchestrationItemEager}: how many of the turn's
 * new activity items it can start at once, and which items its workers may take.
 */
export interface EagerWorkRequest {
  /** Most items to lock (the runtime's idle worker slots); 0 locks none. */
  maxItems: number;
  /** Lease of each locked item, as `fetchWorkItem`'s `lockTimeoutMs`. */
  lockTimeoutMs: number;
  /** Only items this filter accepts are locked. */
  tagFilter: TagFilter;
  /** Items of these activity names are never locked (other workers run them). */
  skipActivities?: string[];
  /**
   * Held turns: when set and the ack schedules exactly one activity item and locks it, the
   * instance's lease is kept for this many ms instead of released, so the activity's
   * completion can commit together with the next turn ({@link QueueProvider.ackHeldTurn}).
   * Only a provider that implements `ackHeldTurn` honours it.
   */
  holdInstanceMs?: number;
}

/** What {@link QueueProvider.ackOrchestrationItemEager} locked for the caller. */
export interface EagerAckResult {
  /** The activity items locked for the caller, in `ack.workerItems` order. */
  leases: WorkItemLease[];
  /** Set when the instance's lease was kept (`holdInstanceMs`): when it now expires. */
  heldUntilMs?: number;
}

/** The activity an {@link QueueProvider.ackHeldTurn} consumes: its lease and its result. */
export interface HeldCompletion {
  /** The activity item's lock token (the caller holds its lease). */
  workLockToken: string;
  /** The result message `ackWorkItem` would have enqueued (ActivityCompleted/ActivityFailed). */
  completion: OrchestratorWorkItem;
}

/**
 * How {@link QueueProvider.ackHeldTurn} ended: the turn committed, or the instance lease was no
 * longer the caller's to use (expired, or other messages wait for the instance) and the
 * activity was acked as `ackWorkItem` would have done, with the lease released.
 */
export type HeldTurnResult = ({ outcome: 'committed' } & EagerAckResult) | { outcome: 'released' };

/** Which queue a dispatcher waits on. */
export type QueueKind = 'orchestrator' | 'worker';

/**
 * What a `waitForInstanceChange` caller waits for: any change of the instance, or its end
 * (Completed or Failed).
 */
export type InstanceChangeFilter = 'any' | 'end';

/** Queue, turn and read operations. All methods may reject with a `ProviderError`. */
export interface QueueProvider {
  /** Short name for logs and metrics (e.g. `sqlite`). */
  readonly name: string;

  /**
   * Optional: the runtime options this provider runs fastest with (a store whose round trips
   * are slow wants more turns and activities in flight). A runtime calls it once, when it is
   * created, and uses each value the user did not set. Values must be valid runtime options
   * (non-negative integers); absent ones keep the runtime's defaults.
   */
  recommendedRuntimeOptions?(): RecommendedRuntimeOptions;

  // ---- orchestrator queue -------------------------------------------------------------------

  /**
   * Locks the instance of the oldest visible message that no live lease covers, tags all its
   * visible messages with a new lock token (attempt count +1) and returns them with the
   * current execution's history. Returns `null` when there is no eligible work. Messages for
   * instances that do not exist are returned like any other (the engine drops orphans with an
   * ack that carries no metadata). The returned events are shared with provider caches and
   * must be treated as read-only. `options.skipOrchestrations` leaves instances of those names
   * to other workers.
   */
  fetchOrchestrationItem(
    lockTimeoutMs: number,
    options?: FetchOrchestrationItemOptions,
  ): Promise<OrchestrationItem | null>;

  /**
   * Commits a turn in one transaction: appends history, updates instance/execution rows,
   * enqueues work, withdraws cancelled activities, deletes the messages tagged at fetch and
   * releases the lease. An ack that ends its execution (status Completed, Failed or
   * ContinuedAsNew) also deletes the timers and completions still queued for that execution
   * (they could never be consumed), and keeps messages addressed to the instance. Rejects with `LockLostError` (nothing written) when the lease is
   * unknown or expired.
   */
  ackOrchestrationItem(lockToken: string, ack: OrchestrationAck): Promise<void>;

  /**
   * Optional (eager dispatch): `ackOrchestrationItem`, and in the SAME transaction locks up to
   * `eager.maxItems` of the activity items this ack enqueued, so the calling process can run
   * them without a fetch. Only items still queued after `cancelledActivities` were withdrawn,
   * without a session, accepted by `eager.tagFilter` and not named in `eager.skipActivities`
   * qualify, in `ack.workerItems` order. Each is locked exactly as `fetchWorkItem` would lock
   * it (a new lock token, `lockTimeoutMs` lease, attempt count + 1), so every worker-queue rule
   * holds: no other fetch returns it while the lease lives, it is acked, renewed or abandoned
   * with the returned token, and it is delivered again when the lease expires (a crash of the
   * calling process loses nothing). Items not locked stay queued and are signalled as usual.
   * Resolves with the leases (and, with `eager.holdInstanceMs`, when the kept instance lease
   * expires); rejects as `ackOrchestrationItem` does, with nothing locked.
   */
  ackOrchestrationItemEager?(
    lockToken: string,
    ack: OrchestrationAck,
    eager: EagerWorkRequest,
  ): Promise<EagerAckResult>;

  /**
   * Optional (held turns; needs `ackOrchestrationItemEager`): commits the next turn of an
   * instance whose lease `lockToken` an earlier ack kept (`holdInstanceMs`), together with the
   * activity completion that turn consumed, in ONE transaction. The turn's messages are
   * `completed.completion` alone: it is never enqueued, and the activity item is deleted under
   * its live lease. Rejects with `LockLostError`, writing nothing, when the activity's lease is
   * gone (withdrawn or expired), as `ackWorkItem` does. When the instance lease is expired or
   * unknown, or visible orchestrator messages wait for the instance, nothing of the turn is
   * written: the activity is acked as `ackWorkItem(workLockToken, completion)` would, the
   * instance lease (if still the caller's) is released, and the result is `released`.
   * Otherwise it commits as `ackOrchestrationItemEager` (same eager and hold rules).
   */
  ackHeldTurn?(
    lockToken: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): Promise<HeldTurnResult>;

  /** Releases the lease without committing; messages become visible again after `delayMs`. */
  abandonOrchestrationItem(lockToken: string, delayMs?: number, ignoreAttempt?: boolean): Promise<void>;

  /** Extends a still-valid lease; rejects with `LockLostError` otherwise. */
  renewOrchestrationItemLock(lockToken: string, extendMs: number): Promise<void>;

  /** Inserts a message; never creates the instance. */
  enqueueOrchestratorWork(item: OrchestratorWorkItem, delayMs?: number): Promise<void>;

  /**
   * Creates the instance of a client start, atomically: when no instance `start.instance`
   * exists, inserts its row with status `Pending` (name, the version when the start pins one,
   * no parent, `createdAt` now, execution id 1, no execution row yet) and enqueues `start`,
   * then resolves `true`. When the instance exists (in any status) it writes nothing and
   * resolves `false`. The first ack of the instance keeps the row's `createdAt`, fills in the
   * version it resolved and moves the status on (`Running`, or the status it reports).
   * Deleting a `Pending` instance needs no `force` and withdraws its queued messages.
   */
  createInstance(start: StartOrchestrationItem): Promise<boolean>;

  // ---- worker queue -------------------------------------------------------------------------

  /**
   * Locks the oldest visible activity item allowed by the tag filter, session rules and
   * `skipActivities`.
   */
  fetchWorkItem(lockTimeoutMs: number, options: FetchWorkItemOptions): Promise<WorkItemLease | null>;

  /**
   * Deletes the item and enqueues its completion atomically (`null` = drop the result).
   * Rejects with `LockLostError` when the lease expired or the item was withdrawn.
   */
  ackWorkItem(lockToken: string, completion: OrchestratorWorkItem | null): Promise<void>;

  /** Extends a still-valid lease; `LockLostError` means the activity was cancelled or lost. */
  renewWorkItemLock(lockToken: string, extendMs: number): Promise<void>;

  /** Releases the lease; the item becomes visible again after `delayMs`. */
  abandonWorkItem(lockToken: string, delayMs?: number, ignoreAttempt?: boolean): Promise<void>;

  /** Inserts an activity item directly (tests and tools). */
  enqueueWorkerWork(item: ActivityExecuteItem): Promise<void>;

  /** Extends live session leases of these owners unless idle longer than `idleTimeoutMs`. */
  renewSessionLocks(ownerIds: string[], extendMs: number, idleTimeoutMs: number): Promise<number>;

  /** Deletes expired sessions with no queued work. */
  cleanupOrphanedSessions(): Promise<number>;

  // ---- reads --------------------------------------------------------------------------------

  /** History of one execution (the latest when `executionId` is omitted); empty if unknown. */
  readHistory(instanceId: string, executionId?: number): Promise<HistoryEvent[]>;

  /** Instance row and current execution, or `null` when the instance does not exist. */
  getInstanceInfo(instanceId: string): Promise<InstanceInfo | null>;

  /** Live KV value (committed state merged with the current execution's writes). */
  getKvValue(instanceId: string, key: string): Promise<string | null>;

  /** Live KV map. */
  getKvAllValues(instanceId: string): Promise<Record<string, string>>;

  // ---- worker registry (optional) -----------------------------------------------------------

  /**
   * Records (or refreshes) what a running runtime can run, valid until `now + ttlMs`. Runtimes
   * call it at start and as a heartbeat. Optional: without it runtimes take every name (work
   * they cannot run is deferred with the unregistered-code backoff).
   */
  registerWorker?(registration: WorkerRegistrationInput, ttlMs: number): Promise<void>;

  /** Removes a registration (a runtime shutting down); unknown ids are ignored. */
  unregisterWorker?(workerId: string): Promise<void>;

  /** Registrations whose `expiresAt` is in the future, by worker id. */
  listWorkers?(): Promise<WorkerRegistration[]>;

  // ---- wake-ups -----------------------------------------------------------------------------

  /**
   * Resolves when work may have become available on `queue`, or after `timeoutMs`, or when
   * `signal` aborts. Providers signal in-process enqueues at once; cross-process visibility may
   * rely on the timeout.
   */
  waitForWork(queue: QueueKind, timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /**
   * Resolves when the instance may have changed (an ack touched it), or after `timeoutMs`, or
   * when `signal` aborts. With `filter` 'end' the caller waits for the instance to end
   * (Completed or Failed): a provider may then skip waking it for changes it knows did not end
   * it (a turn that left it running, a message delivered to it). Waking for any change is
   * always correct; the caller re-reads the status either way.
   */
  waitForInstanceChange(
    instanceId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    filter?: InstanceChangeFilter,
  ): Promise<void>;

  /** Releases connections, files and timers. */
  close(): Promise<void>;
}
