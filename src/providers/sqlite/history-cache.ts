/**
 * A bounded in-process cache of decoded histories, so a fetch reads and parses only the events
 * appended since this process last fetched the instance, not the whole history every turn.
 *
 * History is append-only, so a cached prefix stays valid as long as the execution is the same
 * and the instance was not deleted and recreated meanwhile (another process could do that);
 * the instance row's `created_at` identifies the incarnation. Anything that deletes history in
 * this process must call `invalidate`.
 *
 * Events are shared between the cache and the arrays handed out: callers must treat history
 * events as read-only (the arrays themselves are fresh copies).
 */
import type { HistoryEvent } from '../../core/history.js';

/** A cached history of one execution. */
export interface CachedHistory {
  executionId: number;
  /** `instances.created_at` when cached: a different value means the instance was recreated. */
  createdAt: number;
  events: readonly HistoryEvent[];
  /** Highest stored event_id among `events` (rows after it are the delta to read). */
  lastEventId: number;
}

/** Least-recently-used cache of histories, bounded by the total number of events. */
export class HistoryCache {
  private readonly entries = new Map<string, CachedHistory>();
  private cachedEvents = 0;

  constructor(private readonly maxEvents: number) {}

  /** The cached history if it still describes this execution and incarnation. */
  lookup(instanceId: string, executionId: number, createdAt: number): CachedHistory | undefined {
    const entry = this.entries.get(instanceId);
    if (entry === undefined) return undefined;
    if (entry.executionId !== executionId || entry.createdAt !== createdAt) {
      this.invalidate(instanceId);
      return undefined;
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.entries.delete(instanceId);
    this.entries.set(instanceId, entry);
    return entry;
  }

  /** Stores (or replaces) an instance's history, evicting the least recently used ones. */
  store(instanceId: string, entry: CachedHistory): void {
    this.invalidate(instanceId);
    if (entry.events.length > this.maxEvents) return;
    this.entries.set(instanceId, entry);
    this.cachedEvents += entry.events.length;
    for (const [oldest, old] of this.entries) {
      if (this.cachedEvents <= this.maxEvents) break;
      this.entries.delete(oldest);
      this.cachedEvents -= old.events.length;
    }
  }

  /** Forgets everything (a transaction this cache may have read from did not commit). */
  clear(): void {
    this.entries.clear();
    this.cachedEvents = 0;
  }

  /** Forgets an instance (its history changed other than by appending). */
  invalidate(instanceId: string): void {
    const entry = this.entries.get(instanceId);
    if (entry === undefined) return;
    this.entries.delete(instanceId);
    this.cachedEvents -= entry.events.length;
  }
}
