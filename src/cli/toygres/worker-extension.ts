/**
 * toygres inside `durox worker run` (on by default, `--no-toygres` to leave it out): registers the
 * toygres orchestrations and activities, opens the metadata store on the worker's store URL when
 * a toygres activity first needs it (a store that never sees toygres gets no toygres tables), and
 * closes it after the drain. The system pruner is started by the first `instance create`.
 */
import type { Runtime } from '../../index.js';
import {
  ACTIVITIES,
  openMetadataStore,
  registerToygres,
  TOYGRES_ORCHESTRATIONS,
} from '../../toygres/index.js';
import type { MetadataStore } from '../../toygres/index.js';
import type { WorkerExtension } from '../worker.js';

export function toygresWorkerExtension(store: { url: string; schema?: string }): WorkerExtension {
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
