/**
 * durox — durable execution for TypeScript.
 *
 * Orchestrations are generator functions replayed deterministically from history; activities
 * are async functions; a provider (SQLite or PostgreSQL) stores everything.
 */
export { Runtime } from './engine/runtime/runtime.js';
export type { RegisteredOrchestrations } from './engine/runtime/runtime.js';
export type { RuntimeOptions, TagFilterInput } from './engine/runtime/runtime-options.js';
/**
 * The runtime option `determinism`: what clock, randomness, timer and `fetch` calls do inside
 * orchestration code — `guard` (default: replay-stable values, one warning per call site),
 * `strict` (the turn fails with a `NondeterminismError` naming the call) or `off`. See
 * docs/determinism.md.
 */
export type { DeterminismMode } from './engine/determinism/guard.js';
export { Client } from './engine/client.js';
export type { OrchestrationStatus, StartOrchestrationOptions, WaitOptions } from './engine/client.js';
export type { TypedOrchestrationStatus } from './engine/typed-status.js';
export type { UnrunnableOrchestration, UnrunnableWork } from './engine/workers.js';
// Schedules (docs/schedules.md): the Client's createSchedule … deleteSchedule take and return these.
export type {
  BackfillOptions,
  IntervalSpec,
  OverlapPolicy,
  ScheduleDescription,
  ScheduleOptions,
  SchedulePatch,
  ScheduleRun,
  ScheduleRunKind,
  ScheduleSpec,
  ScheduleSummary,
  TypedScheduleOptions,
} from './engine/schedules/types.js';
export { SCHEDULE_ORCHESTRATION } from './engine/schedules/schedule-orchestration.js';
export type { Duration, TimePoint } from './core/duration.js';
export { OrchestrationContext } from './engine/replay/context.js';
export type {
  ActivityOptions,
  RunActivityOptions,
  RunSubOrchestrationOptions,
  TraceLevel,
} from './engine/replay/context.js';
export { ActivityContext } from './engine/runtime/activity-context.js';
export type { ActivityHandler } from './engine/registry.js';
export type { OrchestrationHandler } from './engine/replay/execution.js';
export type { MetricsSnapshot } from './engine/metrics.js';
// Observability (docs/observability.md): runtime observers and the Prometheus metrics built on them.
export type {
  ActivityEndEvent,
  ActivityOutcome,
  ActivityStartEvent,
  ExecutionInitiator,
  FailureCategory,
  ObserverName,
  OrchestrationTerminalEvent,
  ProviderOperationEvent,
  RuntimeObservers,
  TerminalStatus,
  TurnEndEvent,
  TurnOutcome,
} from './engine/runtime/observers.js';
export { ACTIVITY_OUTCOMES, OBSERVER_NAMES, TURN_OUTCOMES } from './engine/runtime/observers.js';
export {
  ACTIVITY_DURATION_BUCKETS,
  HISTORY_SIZE_BUCKETS,
  PROVIDER_DURATION_BUCKETS,
  TURN_DURATION_BUCKETS,
  createPrometheusMetrics,
} from './engine/prometheus-metrics.js';
export type { PrometheusMetrics, PrometheusMetricsOptions } from './engine/prometheus-metrics.js';
export type { RetryPolicyInput, BackoffInput } from './engine/replay/retry-policy.js';
export type {
  Task,
  TaskResult,
  Yieldable,
  JoinResult,
  JoinResults,
  RaceResult,
  RaceResults,
  RaceValue,
  ActivityTask,
  ActivityWithRetryTask,
  TimerTask,
  WaitEventTask,
  DequeueEventTask,
  SubOrchestrationTask,
  StartOrchestrationTask,
  NewGuidTask,
  UtcNowTask,
  GetValueFromInstanceTask,
  ContinueAsNewTask,
  JoinTask,
  SelectTask,
  ScopeTask,
} from './engine/replay/tasks.js';
export { defineActivity, defineOrchestration } from './engine/definitions.js';
export type {
  ActivityDefinition,
  OrchestrationDefinition,
  AnyActivityDefinition,
  AnyOrchestrationDefinition,
  AnyDefinition,
  ActivitySpec,
  OrchestrationSpec,
  PayloadSchema,
} from './engine/definitions.js';
export type {
  ActivityRef,
  OrchestrationRef,
  InputOf,
  OutputOf,
  InputArgs,
} from './engine/replay/definition-refs.js';
export { verifyHistory } from './engine/verify-history.js';
export type { VerifyHistoryOptions } from './engine/verify-history.js';
export type { ReplayVerification, Divergence } from './engine/replay/verify.js';
export {
  MAX_CUSTOM_STATUS_BYTES,
  MAX_KV_KEYS,
  MAX_KV_VALUE_BYTES,
  MAX_TAG_NAME_BYTES,
  MAX_WORKER_TAGS,
} from './engine/replay/limits.js';
export {
  DuroxError,
  isDuroxError,
  NondeterminismError,
  TimeoutError,
  NotFoundError,
  InstanceStillRunningError,
  CannotDeleteSubOrchestrationError,
  PoisonError,
  LockLostError,
  InvalidInputError,
  PayloadValidationError,
  ProviderError,
  SchemaTooNewError,
  IllegalStateError,
  OrchestrationFailedError,
  MissingDependencyError,
  AlreadyExistsError,
} from './core/errors.js';
export type { DuroxErrorCode, CliErrorCode, ProviderErrorType } from './core/errors.js';
export type { ErrorDetails } from './core/failure.js';
export { firstZodIssue } from './core/zod-issues.js';
export type { FirstZodIssue, ZodIssueList } from './core/zod-issues.js';
export type { HistoryEvent, EventKind, TraceContext } from './core/history.js';
export type {
  Provider,
  InstanceInfo,
  InstanceQuery,
  InstanceFilter,
  InstanceStats,
  ExecutionInfo,
  ExecutionStatus,
  InstanceStatus,
  DeleteInstanceResult,
  PruneOptions,
  PruneResult,
  SystemMetrics,
  QueueDepths,
  StoreActivity,
} from './core/provider.js';
export type {
  InstanceInfoView,
  ExecutionInfoView,
  HistoryEventView,
  InstanceTree,
} from './engine/management.js';
export { deriveWaitingOn } from './engine/waiting-on.js';
export type { WaitingOn, WaitingActivity, WaitingTimer } from './engine/waiting-on.js';
export { DEFAULT_WATCH_POLL_MS } from './engine/history-watch.js';
export type { WatchedEvent, WatchHistoryOptions } from './engine/history-watch.js';
// Everything a custom provider implementation needs (see docs/provider-guide.md).
export type {
  OrchestrationItem,
  OrchestrationAck,
  OutgoingOrchestratorItem,
  ScheduledActivityId,
  KvEntry,
  KvMutation,
  TagFilter,
  SessionFetchConfig,
  FetchWorkItemOptions,
  RecommendedRuntimeOptions,
  EagerWorkRequest,
  EagerAckResult,
  HeldCompletion,
  HeldTurnResult,
  FetchOrchestrationItemOptions,
  WorkerRegistration,
  WorkerRegistrationInput,
  WorkItemLease,
  QueueKind,
  InstanceChangeFilter,
} from './core/provider.js';
export type {
  EventEnvelope,
  EventKinds,
  EventOf,
  OrchestratorWorkItem,
  ActivityExecuteItem,
  StartOrchestrationItem,
  ActivityCompletedItem,
  ActivityFailedItem,
  TimerFiredItem,
  ExternalRaisedItem,
  QueueMessageItem,
  SubOrchCompletedItem,
  SubOrchFailedItem,
  CancelInstanceItem,
  ContinueAsNewItem,
} from './core/history.js';
export type {
  ApplicationErrorDetails,
  InfrastructureErrorDetails,
  ConfigurationErrorDetails,
  PoisonErrorDetails,
} from './core/failure.js';
export { VALIDATION_CATEGORIES } from './providers/validation/index.js';
export type { ValidationOptions } from './providers/validation/index.js';
export { SqliteProvider } from './providers/sqlite/sqlite-provider.js';
export type { SqliteProviderOptions } from './providers/sqlite/sqlite-options.js';
export { PostgresProvider } from './providers/postgres/postgres-provider.js';
export type { PostgresProviderOptions } from './providers/postgres/postgres-options.js';
export { runProviderValidation, VALIDATION_CASES } from './providers/validation/index.js';
export type { ProviderFactory, ValidationCase, ValidationCategory } from './providers/validation/index.js';
// Building on a durox store: application tables next to the engine's (see docs/providers.md).
/**
 * Opens a separate SQLite connection to a store's file (see `src/providers/sqlite/side-connection.ts`).
 */
export { openSqliteSideConnection } from './providers/sqlite/side-connection.js';
/**
 * True for SQLite lock contention that goes away by itself (`SQLITE_BUSY*`, `SQLITE_LOCKED*`,
 * "database is locked"): retry the operation with backoff.
 */
export { isBusyError as isSqliteBusyError } from './providers/sqlite/busy-retry.js';
/**
 * Runs a synchronous SQLite operation (one short transaction) and retries it with jittered
 * backoff while another connection holds the lock (default deadline 30 s, then a retryable
 * `ProviderError`); other errors pass through unchanged.
 */
export { retryWhileBusy as retryWhileSqliteBusy } from './providers/sqlite/busy-retry.js';
/**
 * Applies an application's own migrations to a SQLite store with the engine's runner: one
 * bookkeeping table per set, concurrent openers converge, a newer breaking schema is refused.
 */
export { migrateSqliteSchema } from './providers/sqlite/migrate.js';
export type { SqliteMigrationOptions } from './providers/sqlite/migrate.js';
/**
 * Applies an application's own migrations to a PostgreSQL schema with the engine's runner
 * (serialised by an advisory lock per schema; a newer breaking schema is refused).
 */
export { migratePostgresSchema } from './providers/postgres/migrate.js';
export type { PostgresMigrationOptions } from './providers/postgres/migrate.js';
export type { Migration } from './core/migration.js';
/**
 * A PostgreSQL identifier (schema, table) as quoted SQL text: `my"schema` → `"my""schema"`.
 * Use it for any name that reaches SQL text, such as the store's schema.
 */
export { quoteIdentifier } from './providers/postgres/schema-name.js';
export { systemClock } from './core/clock.js';
export type { Clock } from './core/clock.js';
export { initTracing } from './engine/tracing.js';
export type { TracingOptions, TracingLevel, TracingFormat } from './engine/tracing.js';
