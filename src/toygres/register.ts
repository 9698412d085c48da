/**
 * Registering toygres on a runtime: every orchestration under its versions, every activity, and
 * the environment the activities use (metadata store, platforms).
 */
import type { Runtime } from '../index.js';
import { queryVersion, registerActivities } from './activities.js';
import type { ToygresEnvironment } from './activities.js';
import { DEFAULTS } from './config.js';
import type { MetadataStore } from './metadata/store.js';
import { ORCHESTRATIONS } from './names.js';
import { cleanupInstanceV1 } from './orchestrations/cleanup-instance.js';
import { createInstanceV1 } from './orchestrations/create-instance.js';
import { deleteInstanceV1 } from './orchestrations/delete-instance.js';
import { instanceActorV1 } from './orchestrations/instance-actor.js';
import { systemPruneRunV1 } from './orchestrations/system-prune-run.js';
import { systemPrunerV1, systemPrunerV2 } from './orchestrations/system-pruner.js';
import { createPlatforms } from './platforms/registry.js';
import type { PlatformOptions, Platforms } from './platforms/registry.js';

export interface ToygresOptions extends PlatformOptions {
  /** The metadata store, or a function opening it on first use. */
  metadata: MetadataStore | (() => Promise<MetadataStore>);
  /** Platforms (overrides `local` / `kubernetes`). */
  platforms?: Platforms;
  /** Health checks kept per instance (default 100). */
  healthHistory?: number;
  /** How to connect and query a server (default: `queryVersion`, with a 10 s timeout). */
  queryServer?: ToygresEnvironment['queryServer'];
}

/** Every orchestration version toygres registers: name → version → handler. */
export const TOYGRES_ORCHESTRATIONS = [
  { name: ORCHESTRATIONS.createInstance, version: '1.0.0', handler: createInstanceV1 },
  { name: ORCHESTRATIONS.deleteInstance, version: '1.0.0', handler: deleteInstanceV1 },
  { name: ORCHESTRATIONS.cleanupInstance, version: '1.0.0', handler: cleanupInstanceV1 },
  { name: ORCHESTRATIONS.instanceActor, version: '1.0.0', handler: instanceActorV1 },
  // The eternal pruner of earlier releases: 1.0.0 replays their histories, 2.0.0 moves them to
  // the schedule (see orchestrations/system-pruner.ts).
  { name: ORCHESTRATIONS.systemPruner, version: '1.0.0', handler: systemPrunerV1 },
  { name: ORCHESTRATIONS.systemPruner, version: '2.0.0', handler: systemPrunerV2 },
  { name: ORCHESTRATIONS.systemPruneRun, version: '1.0.0', handler: systemPruneRunV1 },
] as const;

/** The environment `options` describe. */
export function toygresEnvironment(options: ToygresOptions): ToygresEnvironment {
  const given = options.metadata;
  let opening: Promise<MetadataStore> | null = null;
  const metadata =
    typeof given === 'function'
      ? (): Promise<MetadataStore> => {
          opening ??= given().catch((err: unknown) => {
            opening = null;
            throw err;
          });
          return opening;
        }
      : (): Promise<MetadataStore> => Promise.resolve(given);
  return {
    metadata,
    platforms: options.platforms ?? createPlatforms(options),
    healthHistory: options.healthHistory ?? DEFAULTS.healthHistory,
    queryServer:
      options.queryServer ?? ((host, port, password) => queryVersion(host, port, password, 10_000)),
  };
}

/** Registers the toygres orchestrations and activities on `runtime`. */
export function registerToygres(runtime: Runtime, options: ToygresOptions): ToygresEnvironment {
  const env = toygresEnvironment(options);
  for (const { name, version, handler } of TOYGRES_ORCHESTRATIONS) {
    runtime.registerOrchestrationVersioned(name, version, handler);
  }
  registerActivities(runtime, env);
  return env;
}
