/**
 * A data source for the TUI's Toygres screen (`src/tui/toygres.ts`) over the metadata store:
 * one row per instance that is not deleted, with its actor so the screen can show and open it.
 */
import type { MetadataStore } from '../toygres/index.js';
import type { ToygresDataSource, ToygresInstanceRow, ToygresSnapshot } from './toygres.js';

const STATE_LABELS: Record<string, string> = {
  creating: 'Creating',
  running: 'Running',
  failed: 'Failed',
  deleting: 'Deleting',
  deleted: 'Deleted',
};

export function toygresDataSource(metadata: MetadataStore): ToygresDataSource {
  return {
    async snapshot(): Promise<ToygresSnapshot> {
      const records = await metadata.list();
      const instances = records.map((r): ToygresInstanceRow => {
        const row: { -readonly [K in keyof ToygresInstanceRow]: ToygresInstanceRow[K] } = {
          name: r.name,
          state: STATE_LABELS[r.state] ?? r.state,
          health: r.health,
          latencyMs: r.latencyMs,
        };
        if (r.lastHealthCheckAt !== null) row.checkedAt = r.lastHealthCheckAt;
        if (r.actorOrchestrationId !== null) row.actorInstanceId = r.actorOrchestrationId;
        return row;
      });
      return { installed: true, instances };
    },
  };
}
