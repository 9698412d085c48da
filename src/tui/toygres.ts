/**
 * The Toygres screen's data source. Toygres (managed PostgreSQL instances) is a separate
 * module; the TUI only knows this interface and shows whatever rows a source returns. Until
 * toygres plugs a source in (`toygresSourceFor`), the screen says it is not installed.
 *
 * To plug in: implement `ToygresDataSource` over the toygres metadata store and return it from
 * `toygresSourceFor` (or pass it to `runTui({ toygres })`). Rows may name the instance's actor
 * orchestration (`actorInstanceId`); the screen then reads the actor's custom status through
 * the Client itself (unless the row already carries `actorCustomStatus`) and opens the actor's
 * detail screen on Enter.
 */
import type { Client } from '../engine/client.js';

/** One managed PostgreSQL instance as the screen shows it. */
export interface ToygresInstanceRow {
  /** Unique name of the managed instance. */
  readonly name: string;
  /** Lifecycle state, e.g. `Provisioning`, `Running`, `Deleting`. */
  readonly state: string;
  /** Health as last checked, e.g. `healthy`, `degraded`, `unreachable`. */
  readonly health: string;
  /** Latency of the latest health check, or null when none succeeded yet. */
  readonly latencyMs: number | null;
  /** Epoch ms of the latest health check. */
  readonly checkedAt?: number;
  /** Instance id of the orchestration (actor) managing it. */
  readonly actorInstanceId?: string;
  /** The actor's custom status, when the source already knows it. */
  readonly actorCustomStatus?: string;
}

/** What a source reports on each refresh. */
export type ToygresSnapshot =
  | { readonly installed: false; readonly message?: string }
  | { readonly installed: true; readonly instances: readonly ToygresInstanceRow[] };

export interface ToygresDataSource {
  /** Reads the current rows; called once per refresh while the screen is shown. */
  snapshot(): Promise<ToygresSnapshot>;
}

export const TOYGRES_NOT_INSTALLED = 'toygres is not installed in this store';

/** The default source: no toygres. */
export const noToygres: ToygresDataSource = {
  snapshot: () => Promise.resolve({ installed: false, message: TOYGRES_NOT_INSTALLED }),
};

/**
 * The toygres source for a store. The toygres module replaces this with one that reads its
 * metadata through `client`; until then there is none.
 */
export function toygresSourceFor(_client: Client): ToygresDataSource {
  return noToygres;
}
