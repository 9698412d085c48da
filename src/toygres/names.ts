/**
 * Names of toygres orchestrations, activities and events, its instance-id conventions and the
 * versions registered. Orchestration code is immutable once released: a change is a new version
 * registered next to the old one (see docs/toygres.md).
 */

/** Orchestration names. */
export const ORCHESTRATIONS = {
  createInstance: 'toygres::create-instance',
  deleteInstance: 'toygres::delete-instance',
  cleanupInstance: 'toygres::cleanup-instance',
  instanceActor: 'toygres::instance-actor',
  /** The pre-schedule eternal pruner: 1.0.0 looped; 2.0.0 moves a running one to the schedule. */
  systemPruner: 'toygres::system-pruner',
  /** One prune, started by the `toygres-system-pruner` schedule as `toygres-system-pruner@<ISO time>`. */
  systemPruneRun: 'toygres::system-prune-run',
} as const;

/** The versions each orchestration is registered under. */
export const ORCHESTRATION_VERSIONS: Readonly<Record<keyof typeof ORCHESTRATIONS, readonly string[]>> = {
  createInstance: ['1.0.0'],
  deleteInstance: ['1.0.0'],
  cleanupInstance: ['1.0.0'],
  instanceActor: ['1.0.0'],
  systemPruner: ['1.0.0', '2.0.0'],
  systemPruneRun: ['1.0.0'],
};

/** Activity names. */
export const ACTIVITIES = {
  reserveInstance: 'toygres::reserve-instance',
  deploy: 'toygres::deploy',
  checkReadiness: 'toygres::check-readiness',
  getEndpoint: 'toygres::get-endpoint',
  testConnection: 'toygres::test-connection',
  markRunning: 'toygres::mark-running',
  markFailed: 'toygres::mark-failed',
  destroy: 'toygres::destroy',
  finishCleanup: 'toygres::finish-cleanup',
  beginDelete: 'toygres::begin-delete',
  signalActor: 'toygres::signal-actor',
  finishDelete: 'toygres::finish-delete',
  recordEvent: 'toygres::record-event',
  healthCheck: 'toygres::health-check',
  systemPrune: 'toygres::system-prune',
  ensurePrunerSchedule: 'toygres::ensure-pruner-schedule',
} as const;

/** The event (and event queue) that tells an instance actor its instance is being deleted. */
export const INSTANCE_DELETED_EVENT = 'InstanceDeleted';

/**
 * Id of the system pruner's schedule (its runs are `toygres-system-pruner@<ISO time>`). Before
 * the schedule, it was the instance id of the eternal `toygres::system-pruner`, which
 * `ensureSystemPruner` removes.
 */
export const SYSTEM_PRUNER_ID = 'toygres-system-pruner';

/** The instance of the system pruner's schedule (`schedule:<id>`, see docs/schedules.md). */
export const SYSTEM_PRUNER_SCHEDULE_INSTANCE = `schedule:${SYSTEM_PRUNER_ID}`;

/** Orchestration instance ids for a toygres instance name. */
export const instanceIds = {
  create: (name: string): string => `create-${name}`,
  delete: (name: string): string => `delete-${name}`,
  actor: (name: string): string => `actor-${name}`,
  cleanup: (name: string): string => `cleanup-${name}`,
};
