/**
 * The management half of the provider contract: listing, inspecting, deleting and pruning
 * instances and store-wide figures, for the Client's management API, the CLI and the TUI. See
 * `provider.ts` for the whole contract.
 */

/** Status of an execution as the ack reports it. */
export type ExecutionStatus = 'Running' | 'Completed' | 'Failed' | 'ContinuedAsNew';

/**
 * Status of an instance: its current execution's status, or `Pending` from the moment a client
 * created it (`Provider.createInstance`) until its first turn is committed.
 */
export type InstanceStatus = 'Pending' | ExecutionStatus;

/** Instance row plus its current execution, as status queries need it. */
export interface InstanceInfo {
  instanceId: string;
  orchestrationName: string;
  orchestrationVersion: string | null;
  currentExecutionId: number;
  /** `Pending` until the first turn commits (no execution exists yet), then the current execution's. */
  status: InstanceStatus;
  /** Output, error details JSON or next input, as acked. */
  output: string | null;
  createdAt: number;
  updatedAt: number;
  parentInstanceId: string | null;
  customStatus: string | null;
  customStatusVersion: number;
}

/** Summary of one execution. */
export interface ExecutionInfo {
  executionId: number;
  status: ExecutionStatus;
  output: string | null;
  startedAt: number;
  completedAt: number | null;
  eventCount: number;
}

/** Filter and page for listing instances (management, CLI, TUI). */
export interface InstanceQuery {
  /** Status of the instance (its current execution's, or `Pending` before the first turn). */
  status?: InstanceStatus;
  orchestrationName?: string;
  /** Case-sensitive substring of the instance id. */
  idContains?: string;
  /** Only instances without a parent. */
  rootsOnly?: boolean;
  /** Sort key; default `createdAt`. */
  orderBy?: 'createdAt' | 'updatedAt' | 'instanceId';
  /** Default true (newest first). */
  descending?: boolean;
  /** Page size; default unlimited. */
  limit?: number;
  offset?: number;
}

/** Store-wide counts. */
export interface SystemMetrics {
  totalInstances: number;
  totalExecutions: number;
  runningInstances: number;
  completedInstances: number;
  failedInstances: number;
  totalEvents: number;
}

/** Messages waiting, unlocked. `timerQueue` counts orchestrator messages not yet visible (timers, delays). */
export interface QueueDepths {
  orchestratorQueue: number;
  workerQueue: number;
  timerQueue: number;
}

/** In-flight and upcoming work, as of one snapshot of the store (see `getStoreActivity`). */
export interface StoreActivity {
  /**
   * Messages and activities that are visible now or leased (an orchestration turn or an
   * activity in progress). Zero means nothing runs or can run until time passes or something
   * new arrives.
   */
  inProgress: number;
  /** The earliest time (epoch ms, store clock) a delayed message becomes visible, or null. */
  nextDueAtMs: number | null;
}

/** What a delete removed. */
export interface DeleteInstanceResult {
  instancesDeleted: number;
  executionsDeleted: number;
  eventsDeleted: number;
  queueMessagesDeleted: number;
}

/** Which terminal root instances a bulk delete takes (filters are ANDed). */
export interface InstanceFilter {
  instanceIds?: string[];
  /**
   * Epoch ms. For bulk delete: only instances whose current execution completed before it.
   * For bulk prune: only executions that completed before it (in any instance, running
   * ones included), like `PruneOptions.completedBefore`.
   */
  completedBefore?: number;
  /** At most this many root instances (default 1000). */
  limit?: number;
}

/** Which executions a prune removes (never the current one, never a running one). */
export interface PruneOptions {
  /** Keep this many most recent executions (including the current one); 0 or 1 = only the current. */
  keepLast?: number;
  /** Only executions that completed before this time (epoch ms). */
  completedBefore?: number;
}

/** What a prune removed. */
export interface PruneResult {
  instancesProcessed: number;
  executionsDeleted: number;
  eventsDeleted: number;
}

/** Size figures of one instance. */
export interface InstanceStats {
  /** Events of the current execution. */
  historyEventCount: number;
  /** Bytes of stored event JSON of the current execution. */
  historySizeBytes: number;
  /** Queue messages carried into the current execution by continue-as-new. */
  queuePendingCount: number;
  kvUserKeyCount: number;
  kvTotalValueBytes: number;
}

/** Management operations. All methods may reject with a `ProviderError`. */
export interface ManagementProvider {
  // ---- management ---------------------------------------------------------------------------

  /** Instances matching `query`, with their current execution. */
  listInstances(query?: InstanceQuery): Promise<InstanceInfo[]>;

  /** How many instances match `query` (ignores `limit`/`offset`). */
  countInstances(query?: InstanceQuery): Promise<number>;

  /** Execution ids of an instance, ascending (empty when unknown). */
  listExecutions(instanceId: string): Promise<number[]>;

  /** One execution, or `null` when unknown. */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo | null>;

  /** Direct children (sub-orchestrations) of an instance, in creation order. */
  listChildren(instanceId: string): Promise<string[]>;

  /**
   * Deletes the instances (history, executions, queued messages, locks, KV) in one
   * transaction. Rejects with `InstanceStillRunningError` when one is running (or between
   * executions) and `force` is false — a `Pending` instance is not running: nothing of it has run,
   * and deleting it withdraws its start — and with `InvalidInputError` when a child of a listed instance is not listed (a
   * child spawned meanwhile). The ids may be reused afterwards.
   */
  deleteInstances(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult>;

  /** Deletes terminal root instances matching `filter`, each with all its descendants. */
  deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult>;

  /** Deletes old executions of one instance; rejects with `NotFoundError` for an unknown instance. */
  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult>;

  /** `pruneExecutions` for every instance matching `filter` (any status, running included). */
  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult>;

  getSystemMetrics(): Promise<SystemMetrics>;

  getQueueDepths(): Promise<QueueDepths>;

  /**
   * Whether any work is in progress or runnable now, and when the next delayed message becomes
   * visible: what a virtual-time test environment reads to decide that the system is idle and
   * how far it may jump (optional; `durox/testing` needs it).
   */
  getStoreActivity?(): Promise<StoreActivity>;

  /** Size figures of an instance, or `null` when unknown. */
  getInstanceStats(instanceId: string): Promise<InstanceStats | null>;
}
