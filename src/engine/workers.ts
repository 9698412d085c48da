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
