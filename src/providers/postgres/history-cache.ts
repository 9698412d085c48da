/**
 * Decoded long histories by instance, so that a fetch reads only the events appended since the
 * previous turn instead of the whole execution (a fan-out's parent re-reads thousands of events
 * otherwise, every turn). The fetch function validates each entry against the store — same
 * execution, same incarnation (created_at), and the event the entry ends with unchanged (md5) —
 * so another process appending, pruning or recreating the instance only costs a full read.
 */
import type { HistoryEvent } from '../../core/history.js';

/** Histories shorter than this are always read whole: cheaper than tracking them. */
export const MIN_CACHED_EVENTS = 32;
/** Entries sent to the fetch function (most recently used first); keeps its parameter small. */
const MAX_KNOWN_ENTRIES = 64;

export interface CachedHistory {
  executionId: number;
  createdAt: number;
  events: HistoryEvent[];
  lastEventId: number;
  lastEventMd5: string;
}

/** An LRU of decoded histories, bounded by the total number of events it holds. */
export class HistoryCache {
  private readonly entries = new Map<string, CachedHistory>();
  private totalEvents = 0;

  constructor(private readonly maxEvents: number) {}

  /** The `p_known` parameter of fetch_orchestration_items, or null when nothing is cached. */
  known(): Record<string, [number, number, number, string]> | null {
    if (this.entries.size === 0) return null;
    const known: Record<string, [number, number, number, string]> = {};
    let count = 0;
    // Map iteration is oldest-first; the most recently used entries are at the end.
    const recent = [...this.entries].reverse();
    for (const [instanceId, entry] of recent) {
      if (count++ >= MAX_KNOWN_ENTRIES) break;
      Object.defineProperty(known, instanceId, {
        value: [entry.executionId, entry.createdAt, entry.lastEventId, entry.lastEventMd5],
        enumerable: true,
      });
    }
    return known;
  }

  get(instanceId: string): CachedHistory | undefined {
    return this.entries.get(instanceId);
  }

  /** Stores (or refreshes) the history of an instance, evicting the least recently used. */
  store(instanceId: string, entry: CachedHistory): void {
    this.delete(instanceId);
    if (this.maxEvents === 0 || entry.events.length < MIN_CACHED_EVENTS) return;
    this.entries.set(instanceId, entry);
    this.totalEvents += entry.events.length;
    for (const [oldest, old] of this.entries) {
      if (this.totalEvents <= this.maxEvents) break;
      this.entries.delete(oldest);
      this.totalEvents -= old.events.length;
    }
  }

  delete(instanceId: string): void {
    const old = this.entries.get(instanceId);
    if (old === undefined) return;
    this.entries.delete(instanceId);
    this.totalEvents -= old.events.length;
  }

  clear(): void {
    this.entries.clear();
    this.totalEvents = 0;
  }
}
