/**
 * What the SQLite provider recommends to a runtime (`recommendedRuntimeOptions`): the
 * runtime's own defaults, stated. Operations of one event-loop turn share a transaction (group
 * commit), and more dispatchers than this only add contention for the one writer. A module of
 * its own so the CLI can read it without loading the provider.
 */
import type { RecommendedRuntimeOptions } from '../../core/provider.js';

export const SQLITE_RECOMMENDED_OPTIONS: Readonly<RecommendedRuntimeOptions> = Object.freeze({
  orchestrationConcurrency: 4,
  workerConcurrency: 8,
});
