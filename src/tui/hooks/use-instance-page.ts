/**
 * The instance table's data: one page and the count of matches, two queries per refresh
 * whatever the store holds.
 */
import type { InstanceInfo, InstanceQuery } from '../../core/provider.js';
import type { TuiClient } from '../client.js';
import { countQuery, instancesQuery } from '../state.js';
import type { InstancesState } from '../state.js';
import { usePoll } from './use-poll.js';
import type { Polled } from './use-poll.js';

export interface InstancePage {
  /** The query this page answers (the table ignores a page of an older query). */
  readonly query: InstanceQuery;
  readonly rows: readonly InstanceInfo[];
  readonly total: number;
}

export function useInstancePage(
  client: TuiClient,
  table: InstancesState,
  refreshMs: number,
  refreshToken: number,
  enabled: boolean,
): Polled<InstancePage> {
  const query = instancesQuery(table);
  const key = JSON.stringify(query);
  return usePoll(
    async () => {
      const [rows, total] = await Promise.all([
        client.listInstances(query),
        client.countInstances(countQuery(table)),
      ]);
      return { query, rows, total };
    },
    [client, key, refreshToken],
    { intervalMs: refreshMs, enabled },
  );
}

/** Same query (the page belongs to the current filter, sort and page). */
export function sameQuery(a: InstanceQuery, b: InstanceQuery): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
