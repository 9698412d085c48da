/**
 * toygres inside `durox worker run`: with `--toygres` always, without the flag only on a store that
 * already holds toygres instances (a user's own worker does not silently run the fleet manager),
 * never with `--no-toygres`. Registers the toygres orchestrations and activities, opens the
 * metadata store on the worker's store URL when a toygres activity first needs it (a store that
 * never sees toygres gets no toygres tables), and closes it after the drain. The system pruner's
 * schedule is created by the first `instance create`.
 */
import type { Provider, Runtime } from '../../index.js';
import {
  ACTIVITIES,
  openMetadataStore,
  registerToygres,
  TOYGRES_ORCHESTRATIONS,
} from '../../toygres/index.js';
import type { MetadataStore } from '../../toygres/index.js';
import type { WorkerExtension } from '../worker.js';

/** True when the store holds an instance (of any status) of a toygres orchestration. */
export async function storeHoldsToygres(store: Provider): Promise<boolean> {
  const names = new Set(TOYGRES_ORCHESTRATIONS.map((o) => o.name));
  for (const orchestrationName of names) {
    if ((await store.countInstances({ orchestrationName })) > 0) return true;
  }
  return false;
}

/**
 * The extension for the worker's store; `always: false` registers it only when
 * {@link storeHoldsToygres} (no `--toygres` flag).
 */
export function toygresWorkerExtension(
  store: { url: string; schema?: string },
  options: { always: boolean },
): WorkerExtension {
  let opening: Promise<MetadataStore> | null = null;
  const metadata = (): Promise<MetadataStore> => {
    opening ??= openMetadataStore(
      store.url,
      store.schema === undefined ? {} : { schema: store.schema },
    ).catch((err: unknown) => {
      opening = null;
      throw err;
    });
    return opening;
  };
  return {
    ...(options.always ? {} : { wanted: storeHoldsToygres }),
    register(runtime: Runtime) {
      registerToygres(runtime, { metadata });
      return {
        orchestrations: TOYGRES_ORCHESTRATIONS.map((o) => `${o.name}@${o.version}`),
        activities: Object.values(ACTIVITIES),
      };
    },
    async stop() {
      const open = opening;
      opening = null;
      if (open) await (await open).close();
    },
  };
}
