/**
 * toygres: a control plane for PostgreSQL instances built on durox orchestrations (see
 * docs/toygres.md). Register it on a runtime with `registerToygres`, drive it with the
 * control-plane functions (what `durox instance …` uses).
 */
export { registerToygres, toygresEnvironment, TOYGRES_ORCHESTRATIONS } from './register.js';
export type { ToygresOptions } from './register.js';
export { describeSystemPruner, ensurePrunerSchedule, ensureSystemPruner } from './pruner.js';
export type { SystemPruneRunOutcome, SystemPrunerOptions, SystemPrunerReport } from './pruner.js';
export type { ToygresEnvironment } from './activities.js';
export { INJECT_FAILURE_ENV, queryVersion } from './activities.js';
export {
  createInstance,
  waitForCreate,
  deleteInstance,
  waitForDelete,
  listInstances,
  getInstance,
  instanceHealth,
  connectionInfo,
  instanceLogs,
  toView,
} from './control-plane.js';
export type {
  ControlPlane,
  CreatedInstance,
  DeletionStarted,
  OperationOutcome,
  WaitOptions,
  InstanceView,
  InstanceDetails,
  OrchestrationRef,
  HealthReport,
  ConnectionDetails,
} from './control-plane.js';
export { ToygresError } from './errors.js';
export type { ToygresErrorCode } from './errors.js';
export { openMetadataStore } from './metadata/open.js';
export { SqliteMetadataStore } from './metadata/sqlite/sqlite-metadata.js';
export { PostgresMetadataStore } from './metadata/postgres/postgres-metadata.js';
export * from './metadata/store.js';
export {
  ACTIVITIES,
  ORCHESTRATIONS,
  ORCHESTRATION_VERSIONS,
  INSTANCE_DELETED_EVENT,
  SYSTEM_PRUNER_ID,
  SYSTEM_PRUNER_SCHEDULE_INSTANCE,
  instanceIds,
} from './names.js';
export { LocalPlatform } from './platforms/local/local-platform.js';
export type { LocalPlatformOptions } from './platforms/local/local-platform.js';
export { localPostgresMajor } from './platforms/local/binaries.js';
export { createPlatforms, loadKubernetesPlatform } from './platforms/registry.js';
export type { PlatformOptions, Platforms } from './platforms/registry.js';
export type * from './platforms/platform.js';
export { connectionString, generatePassword, MASK } from './secrets.js';
export { startEmbeddedWorker } from './worker.js';
export type { EmbeddedWorker } from './worker.js';
export { DEFAULTS, duroxHome, defaultInstancesRoot } from './config.js';
export type * from './types.js';
