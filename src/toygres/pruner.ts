/**
 * The system pruner: a schedule (`toygres-system-pruner`, see docs/schedules.md) whose runs,
 * `toygres::system-prune-run` instances `toygres-system-pruner@<ISO time>`, each prune once. The
 * control plane ensures it on every create, so stores that never see toygres get no pruner.
 *
 * It replaced an eternal orchestration (`toygres::system-pruner` 1.0.0, instance
 * `toygres-system-pruner`: prune, timer, continue as new). Stores may hold a running one, so
 * that name stays registered: 1.0.0 for the histories it recorded, and 2.0.0, which a running
 * 1.0.0 moves to at its next continue-as-new, creates the schedule and completes (an upgraded
 * worker migrates a store without waiting for a create). `ensureSystemPruner` also removes the
 * old instance once the schedule exists.
 */
import { isDuroxError } from '../index.js';
import type { Client, ScheduleDescription } from '../index.js';
import { DEFAULTS } from './config.js';
import { ORCHESTRATIONS, SYSTEM_PRUNER_ID, SYSTEM_PRUNER_SCHEDULE_INSTANCE } from './names.js';
import type { SystemPruneOutput, SystemPruneRunInput } from './types.js';

/** Pruner settings (defaults: hourly, finished toygres orchestrations older than 6 h, keep 3 executions). */
export interface SystemPrunerOptions {
  /** Time between two runs (the schedule's interval). */
  intervalMs?: number;
  /** Finished toygres orchestrations (the pruner's own runs too) older than this are deleted. */
  terminalOlderThanMs?: number;
  /** Executions kept per eternal orchestration (the actors, the pruner's schedule). */
  keepExecutions?: number;
}

/** The settings with their defaults. */
function settings(options: SystemPrunerOptions): Required<SystemPrunerOptions> {
  return {
    intervalMs: options.intervalMs ?? DEFAULTS.prunerIntervalMs,
    terminalOlderThanMs: options.terminalOlderThanMs ?? DEFAULTS.pruneTerminalOlderThanMs,
    keepExecutions: options.keepExecutions ?? DEFAULTS.pruneKeepExecutions,
  };
}

/**
 * Creates the pruner's schedule unless it exists; returns true when it created it. An existing
 * schedule is kept as it is, whatever `options` say: it may have been tuned with
 * `client.updateSchedule('toygres-system-pruner', …)`, which every create would otherwise undo.
 * A schedule whose own orchestration ended (it fails only on a bug or an unreadable store) is
 * replaced.
 *
 * The schedule: every `intervalMs`, overlap `skip` (a run still going when the next is due
 * means that one is skipped), and a catch-up window of one interval, so that after an outage
 * one run starts at once rather than one per missed time. The orchestration may be unknown to
 * the live workers (a control plane upgraded before its workers): the runs wait for them.
 */
export async function ensurePrunerSchedule(
  client: Client,
  options: SystemPrunerOptions = {},
): Promise<boolean> {
  const { intervalMs, terminalOlderThanMs, keepExecutions } = settings(options);
  const input: SystemPruneRunInput = { terminalOlderThanMs, keepExecutions };
  for (let attempt = 0; ; attempt++) {
    try {
      await client.createSchedule({
        id: SYSTEM_PRUNER_ID,
        interval: intervalMs,
        orchestration: ORCHESTRATIONS.systemPruneRun,
        input,
        overlap: 'skip',
        catchupWindow: intervalMs,
        allowUnknownOrchestration: true,
      });
      return true;
    } catch (err) {
      if (!isDuroxError(err, 'INSTANCE_EXISTS')) throw err;
    }
    const { status } = await client.getStatus(SYSTEM_PRUNER_SCHEDULE_INSTANCE);
    if (attempt > 0 || (status !== 'Completed' && status !== 'Failed')) return false;
    await client.deleteSchedule(SYSTEM_PRUNER_ID).catch(ignoreNotFound);
  }
}

/**
 * Makes sure the system pruner's schedule exists ({@link ensurePrunerSchedule}), then removes
 * the eternal pruner instance of earlier versions (`toygres-system-pruner`, force-deleted if it
 * runs) so that the two do not both prune. Returns true when it created the schedule.
 */
export async function ensureSystemPruner(
  client: Client,
  options: SystemPrunerOptions = {},
): Promise<boolean> {
  const created = await ensurePrunerSchedule(client, options);
  const old = await client.getStatus(SYSTEM_PRUNER_ID);
  if (old.status !== 'NotFound') await client.deleteInstance(SYSTEM_PRUNER_ID, true).catch(ignoreNotFound);
  return created;
}

function ignoreNotFound(err: unknown): void {
  if (!isDuroxError(err, 'NOT_FOUND')) throw err;
}

/** A pruner run that ended, with its outcome. */
export interface SystemPruneRunOutcome {
  /** The run's instance id, `toygres-system-pruner@<ISO time>`. */
  instanceId: string;
  /** Its scheduled time (epoch ms). */
  scheduledAt: number;
  /** How it ended. */
  status: 'Completed' | 'Failed';
  /** What it pruned (Completed). */
  output?: SystemPruneOutput;
  /** Why it failed (Failed), after the activity's retries. */
  error?: string;
}

/** What {@link describeSystemPruner} returns. */
export interface SystemPrunerReport {
  /** The schedule: spec, state, next times and recent runs (`client.describeSchedule`). */
  schedule: ScheduleDescription;
  /** The newest recent run that ended and is still in the store, or null. */
  lastRun: SystemPruneRunOutcome | null;
}

/**
 * The pruner's schedule and the outcome of its last finished run; null when there is no
 * schedule. Rejects with `ILLEGAL_STATE` while no worker has run the schedule's first turn.
 */
export async function describeSystemPruner(client: Client): Promise<SystemPrunerReport | null> {
  let schedule: ScheduleDescription;
  try {
    schedule = await client.describeSchedule(SYSTEM_PRUNER_ID);
  } catch (err) {
    if (isDuroxError(err, 'NOT_FOUND')) return null;
    throw err;
  }
  for (const run of schedule.recentRuns) {
    if (run.status !== 'Completed' && run.status !== 'Failed') continue;
    const status = await client.getStatus(run.instanceId);
    if (status.status === 'Completed') {
      const output = status.output as SystemPruneOutput;
      return {
        schedule,
        lastRun: { instanceId: run.instanceId, scheduledAt: run.scheduledAt, status: 'Completed', output },
      };
    }
    if (status.status === 'Failed') {
      const error = status.error ?? 'failed';
      return {
        schedule,
        lastRun: { instanceId: run.instanceId, scheduledAt: run.scheduledAt, status: 'Failed', error },
      };
    }
  }
  return { schedule, lastRun: null };
}
