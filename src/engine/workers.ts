/**
 * What the running workers of a store can run, as their registrations say (see
 * `Provider.registerWorker`): used by runtimes to leave work to the workers that can run it,
 * and by tools to tell a user that no running worker knows an orchestration.
 */
import type { WorkerRegistration } from '../core/provider.js';

/** Whether some registration runs `name` (at `version`, when given). */
export function runsOrchestration(
  workers: readonly WorkerRegistration[],
  name: string,
  version?: string | null,
): boolean {
  return workers.some((w) => {
    const versions = Object.hasOwn(w.orchestrations, name) ? w.orchestrations[name] : undefined;
    return versions !== undefined && (version == null || versions.includes(version));
  });
}

/** Whether some registration runs activity `name`. */
export function runsActivity(workers: readonly WorkerRegistration[], name: string): boolean {
  return workers.some((w) => w.activities.includes(name));
}

/**
 * Why no running worker will run orchestration `name` (at `version`, when given), or `null`
 * when one will. The sentence names the orchestration and what the workers run instead.
 */
export function unknownOrchestrationReason(
  workers: readonly WorkerRegistration[],
  name: string,
  version?: string | null,
): string | null {
  if (workers.length === 0) return 'no worker is running on this store';
  if (runsOrchestration(workers, name, version)) return null;
  const versions = [...new Set(workers.flatMap((w) => w.orchestrations[name] ?? []))];
  if (version != null && versions.length > 0) {
    return `no running worker knows version ${version} of orchestration '${name}' (they run ${versions.join(', ')})`;
  }
  const names = [...new Set(workers.flatMap((w) => Object.keys(w.orchestrations)))].sort();
  const known = names.length === 0 ? 'none' : names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '');
  return `no running worker knows orchestration '${name}' (they run: ${known})`;
}

/** Non-terminal instances of one orchestration (and version) that no running worker knows. */
export interface UnrunnableOrchestration {
  name: string;
  /** The instances' version; `null` for instances started without one (any version would do). */
  version: string | null;
  /** How many of the instances read have this name and version. */
  instances: number;
}

/**
 * Work of a store that no running worker can run, as {@link Client.getUnrunnableWork} reports
 * it, with the live registrations it was checked against.
 */
export interface UnrunnableWork {
  /** The live worker registrations. */
  workers: WorkerRegistration[];
  /**
   * Orchestrations of `Pending` and `Running` instances that no live worker registers (at the
   * instance's version), most instances first. Queued activities are not covered: the store
   * has no cheap read of the worker queue's activity names.
   */
  orchestrations: UnrunnableOrchestration[];
  /** False when there were more non-terminal instances than were read: counts are lower bounds. */
  complete: boolean;
}

/**
 * Groups `instances` whose orchestration (at its version) no registration in `workers` runs,
 * by name and version, most instances first.
 */
export function unrunnableOrchestrations(
  workers: readonly WorkerRegistration[],
  instances: readonly { orchestrationName: string; orchestrationVersion: string | null }[],
): UnrunnableOrchestration[] {
  const groups = new Map<string, UnrunnableOrchestration>();
  for (const { orchestrationName: name, orchestrationVersion: version } of instances) {
    if (runsOrchestration(workers, name, version)) continue;
    const key = JSON.stringify([name, version]);
    const group = groups.get(key);
    if (group) group.instances++;
    else groups.set(key, { name, version, instances: 1 });
  }
  return [...groups.values()].sort((a, b) => b.instances - a.instances || a.name.localeCompare(b.name));
}
