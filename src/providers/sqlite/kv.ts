/**
 * Per-instance KV state. `kv_store` holds what finished executions committed; `kv_delta` holds
 * the running execution's writes (NULL value = tombstone) until a terminal ack merges it.
 */
import type Database from 'better-sqlite3';
import { assertNever } from '../../core/exhaustive.js';
import type { KvEntry, KvMutation } from '../../core/provider.js';

const SELECT_SNAPSHOT = 'SELECT key, value, last_updated_at_ms FROM kv_store WHERE instance_id = ?';

const UPSERT_DELTA = `
  INSERT INTO kv_delta (instance_id, key, value, last_updated_at_ms) VALUES (?, ?, ?, ?)
  ON CONFLICT (instance_id, key) DO UPDATE SET
    value = excluded.value, last_updated_at_ms = excluded.last_updated_at_ms`;

// clearAll: every committed key gets a tombstone (the `WHERE true` keeps the upsert parseable),
// then every key already in the delta becomes one.
const TOMBSTONE_STORE_KEYS = `
  INSERT INTO kv_delta (instance_id, key, value, last_updated_at_ms)
  SELECT instance_id, key, NULL, @now FROM kv_store WHERE instance_id = @instanceId AND true
  ON CONFLICT (instance_id, key) DO UPDATE SET value = NULL, last_updated_at_ms = excluded.last_updated_at_ms`;
const TOMBSTONE_DELTA_KEYS = `
  UPDATE kv_delta SET value = NULL, last_updated_at_ms = @now WHERE instance_id = @instanceId`;

// Merge at the end of an execution: tombstones delete, values overwrite, then the delta empties.
const MERGE_DELETES = `
  DELETE FROM kv_store WHERE instance_id = @instanceId AND key IN (
    SELECT key FROM kv_delta WHERE instance_id = @instanceId AND value IS NULL)`;
const MERGE_UPSERTS = `
  INSERT INTO kv_store (instance_id, key, value, last_updated_at_ms)
  SELECT instance_id, key, value, last_updated_at_ms FROM kv_delta
  WHERE instance_id = @instanceId AND value IS NOT NULL
  ON CONFLICT (instance_id, key) DO UPDATE SET
    value = excluded.value, last_updated_at_ms = excluded.last_updated_at_ms`;
const CLEAR_DELTA = 'DELETE FROM kv_delta WHERE instance_id = @instanceId';

// Live reads: a delta row (value or tombstone) shadows the committed row. One statement, so
// both tables are read from the same snapshot.
const SELECT_LIVE_VALUE = `
  SELECT value FROM (
    SELECT value, 0 AS rank FROM kv_delta WHERE instance_id = @instanceId AND key = @key
    UNION ALL
    SELECT value, 1 AS rank FROM kv_store WHERE instance_id = @instanceId AND key = @key)
  ORDER BY rank LIMIT 1`;
const SELECT_LIVE_ALL = `
  SELECT s.key, s.value FROM kv_store AS s
  WHERE s.instance_id = @instanceId
    AND NOT EXISTS (SELECT 1 FROM kv_delta AS d WHERE d.instance_id = s.instance_id AND d.key = s.key)
  UNION ALL
  SELECT key, value FROM kv_delta WHERE instance_id = @instanceId AND value IS NOT NULL`;

interface KvRow {
  key: string;
  value: string;
  last_updated_at_ms: number;
}

/** KV statements on one connection. Write methods run inside the caller's transaction. */
export class KvTables {
  private readonly selectSnapshot;
  private readonly upsertDelta;
  private readonly tombstoneStoreKeys;
  private readonly tombstoneDeltaKeys;
  private readonly mergeDeletes;
  private readonly mergeUpserts;
  private readonly clearDelta;
  private readonly selectLiveValue;
  private readonly selectLiveAll;

  constructor(db: Database.Database) {
    this.selectSnapshot = db.prepare<[string], KvRow>(SELECT_SNAPSHOT);
    this.upsertDelta = db.prepare<[string, string, string | null, number]>(UPSERT_DELTA);
    this.tombstoneStoreKeys = db.prepare<{ instanceId: string; now: number }>(TOMBSTONE_STORE_KEYS);
    this.tombstoneDeltaKeys = db.prepare<{ instanceId: string; now: number }>(TOMBSTONE_DELTA_KEYS);
    this.mergeDeletes = db.prepare<{ instanceId: string }>(MERGE_DELETES);
    this.mergeUpserts = db.prepare<{ instanceId: string }>(MERGE_UPSERTS);
    this.clearDelta = db.prepare<{ instanceId: string }>(CLEAR_DELTA);
    this.selectLiveValue = db.prepare<{ instanceId: string; key: string }, { value: string | null }>(
      SELECT_LIVE_VALUE,
    );
    this.selectLiveAll = db.prepare<{ instanceId: string }, { key: string; value: string }>(SELECT_LIVE_ALL);
  }

  /** KV state committed by previous executions (kv_store only). */
  snapshot(instanceId: string): Record<string, KvEntry> {
    const snapshot: Record<string, KvEntry> = {};
    for (const row of this.selectSnapshot.all(instanceId)) {
      snapshot[row.key] = { value: row.value, lastUpdatedAtMs: row.last_updated_at_ms };
    }
    return snapshot;
  }

  /** Records a turn's mutations in the delta, in order. */
  applyMutations(instanceId: string, mutations: readonly KvMutation[], now: number): void {
    for (const mutation of mutations) {
      switch (mutation.op) {
        case 'set':
          this.upsertDelta.run(instanceId, mutation.key, mutation.value, mutation.lastUpdatedAtMs);
          break;
        case 'clear':
          this.upsertDelta.run(instanceId, mutation.key, null, now);
          break;
        case 'clearAll':
          this.tombstoneStoreKeys.run({ instanceId, now });
          this.tombstoneDeltaKeys.run({ instanceId, now });
          break;
        default:
          assertNever(mutation);
      }
    }
  }

  /** Folds the delta into the committed store (at the end of an execution). */
  mergeDelta(instanceId: string): void {
    this.mergeDeletes.run({ instanceId });
    this.mergeUpserts.run({ instanceId });
    this.clearDelta.run({ instanceId });
  }

  /** Live value of one key, or null. */
  get(instanceId: string, key: string): string | null {
    return this.selectLiveValue.get({ instanceId, key })?.value ?? null;
  }

  /** Live map of the instance. */
  getAll(instanceId: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const row of this.selectLiveAll.all({ instanceId })) values[row.key] = row.value;
    return values;
  }
}
