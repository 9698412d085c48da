/**
 * Rows of the Toygres screen from the injected data source, with each actor's custom status
 * read through the Client when the source does not carry it.
 */
import type { TuiClient } from '../client.js';
import type { ToygresDataSource, ToygresInstanceRow, ToygresSnapshot } from '../toygres.js';
import { usePoll } from './use-poll.js';
import type { Polled } from './use-poll.js';

/** At most this many actors' statuses are read per refresh. */
export const ACTOR_STATUSES_READ = 50;

async function withActorStatus(
  client: TuiClient,
  rows: readonly ToygresInstanceRow[],
): Promise<ToygresInstanceRow[]> {
  return Promise.all(
    rows.map(async (row, i) => {
      if (
        row.actorInstanceId === undefined ||
        row.actorCustomStatus !== undefined ||
        i >= ACTOR_STATUSES_READ
      ) {
        return row;
      }
      try {
        const status = await client.getStatus(row.actorInstanceId);
        return status.customStatus === undefined ? row : { ...row, actorCustomStatus: status.customStatus };
      } catch {
        return row;
      }
    }),
  );
}

export function useToygres(
  client: TuiClient,
  source: ToygresDataSource,
  refreshMs: number,
  refreshToken: number,
  enabled: boolean,
): Polled<ToygresSnapshot> {
  return usePoll<ToygresSnapshot>(
    async () => {
      const snapshot = await source.snapshot();
      if (!snapshot.installed) return snapshot;
      return { installed: true, instances: await withActorStatus(client, snapshot.instances) };
    },
    [client, source, refreshToken],
    { intervalMs: refreshMs, enabled },
  );
}
