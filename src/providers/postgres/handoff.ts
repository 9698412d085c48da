/**
 * Prefetch and handoff: where this provider's leases come from. A fetch is answered from the
 * leases an ack locked ahead (see prefetch.ts), from a recent "empty" answer while nothing was
 * announced, or by a coalesced fetch call (see batcher.ts). Each lease handed out remembers
 * its fetch profile, so its ack can fetch the next item alike (see ack-pipeline.ts).
 */
import type {
  FetchOrchestrationItemOptions,
  FetchWorkItemOptions,
  OrchestrationItem,
  QueueKind,
  WorkItemLease,
} from '../../core/provider.js';
import { BatcherMap, type BatcherOptions } from './batcher.js';
import type { Run } from './connection.js';
import type { HistoryCache } from './history-cache.js';
import type { LeaseLedger } from './lease-ledger.js';
import { DispatcherDetector, EmptyHints, LeaseBuffer } from './prefetch.js';
import type { QueryContext } from './queries/context.js';
import { fetchOrchestrationItems, type FetchedOrchestrations } from './queries/fetch-orchestration-items.js';
import { fetchWorkItems, type WorkFetchShape } from './queries/fetch-work-items.js';
import type { WakeSignals } from './wakeups.js';

/**
 * Group commit (see batcher.ts): at most two batches of a kind in flight, so the hot paths
 * hold a handful of pooled connections at most and leave the rest to reads and renewals.
 */
const FETCH_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 32 };

/** Leases handed out and not acked yet are remembered up to this many (a leak guard). */
const MAX_LEASE_PROFILES = 10_000;
/** Session owners remembered (see `LeaseSupply.sessionOwners`); beyond it, the oldest is forgotten. */
const MAX_SESSION_OWNERS = 4096;

/** A caller of the orchestration fetch; callers coalesce when both fields match. */
interface OrchestrationFetchRequest {
  lockTimeoutMs: number;
  /** Sorted, distinct orchestration names to skip. */
  skip: string[];
}

/** How a worker slot fetches: the shared shape and its own session owner. */
export interface WorkProfile {
  shape: WorkFetchShape;
  ownerId: string | null;
}

export type LeaseProfile =
  { queue: 'orchestrator'; lockTimeoutMs: number } | { queue: 'worker'; profile: WorkProfile };

export const orchestratorKey = (lockTimeoutMs: number, skip: readonly string[] = []): string =>
  skip.length === 0 ? `o:${lockTimeoutMs}` : `o:${lockTimeoutMs}:${JSON.stringify(skip)}`;
export const shapeKey = (shape: WorkFetchShape): string => JSON.stringify(shape);
/** Key of what any slot fetching with `shape` may use (leases without a session, empty hints). */
export const sharedWorkerKey = (shape: WorkFetchShape): string => `w:${shapeKey(shape)}`;
/** Key of what only `profile`'s session owner may use. */
export const workerKey = (profile: WorkProfile): string =>
  `${sharedWorkerKey(profile.shape)}\u0000${profile.ownerId ?? ''}`;

/** What the lease supply works with. */
export interface LeaseSupplyDeps {
  ctx: QueryContext;
  run: Run;
  wake: WakeSignals;
  ledger: LeaseLedger;
  historyCache: HistoryCache;
  /** Gives back a lease locked ahead that nobody took (without counting the attempt). */
  abandonOrchestration(lockToken: string): void;
  abandonWork(lockToken: string): void;
}

export class LeaseSupply {
  /** Coalesced calls, keyed by lock timeout and skip list. */
  private readonly orchestratorFetches: BatcherMap<OrchestrationFetchRequest, OrchestrationItem | null>;
  /** Coalesced calls, keyed by their shared shape (session owners differ per call). */
  private readonly workerFetches: BatcherMap<WorkProfile, WorkItemLease | null>;
  /** How local dispatchers fetched last: what a handoff must lock for them. */
  lastOrchestratorLockTimeoutMs: number | undefined;
  /**
   * Whether local dispatchers fetch with a skip list: then acks fetch nothing ahead for them
   * (ack_and_fetch's fetches know no skip list, and would hand them work they leave to others).
   */
  orchestratorSkipping = false;
  lastWorkerShape: WorkFetchShape | undefined;
  /** Ack-and-fetch-next (see prefetch.ts): leases locked ahead, by fetch profile. */
  readonly orchestratorBuffer: LeaseBuffer<OrchestrationItem>;
  readonly workerBuffer: LeaseBuffer<WorkItemLease>;
  /** Fetch profiles seen empty, keyed `o:<profile>` / `w:<shape>` (see `workerEmptyKey`). */
  private readonly emptyHints = new EmptyHints();
  /**
   * Session owners this provider handed a session item to. Their fetches may find items no
   * other owner can (their own sessions' activities), so their empty results are their own.
   */
  private readonly sessionOwners = new Set<string>();
  readonly dispatchers: Record<QueueKind, DispatcherDetector> = {
    orchestrator: new DispatcherDetector(),
    worker: new DispatcherDetector(),
  };
  /** The fetch profile of each lease handed out, so its ack can fetch the next one alike. */
  private readonly leaseProfiles = new Map<string, LeaseProfile>();

  constructor(private readonly deps: LeaseSupplyDeps) {
    const { ctx, run, wake, historyCache } = deps;
    this.orchestratorBuffer = new LeaseBuffer((items) => {
      for (const item of items) deps.abandonOrchestration(item.lockToken);
    });
    this.workerBuffer = new LeaseBuffer((leases) => {
      for (const lease of leases) deps.abandonWork(lease.lockToken);
    });
    this.orchestratorFetches = new BatcherMap(FETCH_BATCHING, async (key, requests) => {
      const lockTimeoutMs = requests[0]?.lockTimeoutMs ?? 0;
      const skip = requests[0]?.skip ?? [];
      const epoch = wake.epoch('orchestrator');
      const nowMs = ctx.options.clock.now();
      const fetched = await run('fetchOrchestrationItem', (db) =>
        fetchOrchestrationItems(ctx, db, {
          nowMs,
          lockTimeoutMs,
          count: requests.length,
          cache: historyCache,
          skip,
        }),
      );
      this.noteOrchestrationFetch(key, fetched, requests.length, epoch);
      return requests.map((_, index) => fetched.items[index] ?? null);
    });
    this.workerFetches = new BatcherMap(FETCH_BATCHING, async (_key, requests) => {
      const first = requests[0];
      if (first === undefined) return [];
      const epoch = wake.epoch('worker');
      const nowMs = ctx.options.clock.now();
      const leases = await run('fetchWorkItem', (db) =>
        fetchWorkItems(ctx, db, { nowMs, shape: first.shape, ownerIds: requests.map((r) => r.ownerId) }),
      );
      requests.forEach((request, index) => this.noteWorkFetch(request, leases[index] ?? null, epoch));
      return leases;
    });
  }

  /** The next orchestration item: locked ahead, known absent, or fetched. */
  async fetchOrchestration(
    lockTimeoutMs: number,
    options?: FetchOrchestrationItemOptions,
  ): Promise<OrchestrationItem | null> {
    const timeout = Math.ceil(lockTimeoutMs);
    const skip = [...new Set(options?.skipOrchestrations ?? [])].sort();
    const key = orchestratorKey(timeout, skip);
    const dispatchers = this.dispatchers.orchestrator;
    dispatchers.enter();
    try {
      const startedAt = Date.now();
      this.lastOrchestratorLockTimeoutMs = timeout;
      this.orchestratorSkipping = skip.length > 0;
      const buffered = this.orchestratorBuffer.take(key, startedAt);
      if (buffered !== undefined) return buffered;
      if (
        dispatchers.dispatching &&
        this.emptyHints.stillEmpty(key, this.deps.wake.epoch('orchestrator'), startedAt)
      ) {
        return null;
      }
      const item = await this.orchestratorFetches.submit(key, { lockTimeoutMs: timeout, skip });
      if (item !== null) {
        this.deps.ledger.hold(item.instanceId, item.lockToken, startedAt + timeout);
        if (skip.length === 0)
          this.rememberProfile(item.lockToken, { queue: 'orchestrator', lockTimeoutMs: timeout });
      }
      return item;
    } finally {
      dispatchers.leave();
    }
  }

  /** The next activity lease: locked ahead, known absent, or fetched. */
  async fetchWork(lockTimeoutMs: number, options: FetchWorkItemOptions): Promise<WorkItemLease | null> {
    const shape: WorkFetchShape = {
      lockTimeoutMs: Math.ceil(lockTimeoutMs),
      tagFilter: options.tagFilter,
      sessionLockTimeoutMs: options.session === undefined ? null : Math.ceil(options.session.lockTimeoutMs),
      skip: [...new Set(options.skipActivities ?? [])].sort(),
    };
    const profile: WorkProfile = { shape, ownerId: options.session?.ownerId ?? null };
    const key = workerKey(profile);
    const dispatchers = this.dispatchers.worker;
    dispatchers.enter();
    try {
      const startedAt = Date.now();
      this.lastWorkerShape = shape;
      const buffered =
        this.workerBuffer.take(key, startedAt) ?? this.workerBuffer.take(sharedWorkerKey(shape), startedAt);
      if (buffered !== undefined) {
        // Its ack fetches the next item for this slot (its own session owner).
        this.rememberProfile(buffered.lockToken, { queue: 'worker', profile });
        return buffered;
      }
      if (
        dispatchers.dispatching &&
        this.emptyHints.stillEmpty(this.workerEmptyKey(profile), this.deps.wake.epoch('worker'), startedAt)
      ) {
        return null;
      }
      const lease = await this.workerFetches.submit(shapeKey(shape), profile);
      if (lease !== null) this.rememberProfile(lease.lockToken, { queue: 'worker', profile });
      return lease;
    } finally {
      dispatchers.leave();
    }
  }

  /** Records what a fetch (plain or prefetch) learned: timers, and whether the queue ran dry. */
  noteOrchestrationFetch(key: string, fetched: FetchedOrchestrations, wanted: number, epoch: number): void {
    if (fetched.nextVisibleAt !== null) this.deps.wake.scheduleAt('orchestrator', fetched.nextVisibleAt);
    // Trusted from when the answer arrived (under load a round trip can outlast the grace);
    // the epoch from before the call voids it if anything was announced meanwhile.
    if (fetched.items.length < wanted) this.emptyHints.set(key, epoch, Date.now());
    else this.emptyHints.clear(key);
  }

  noteWorkFetch(profile: WorkProfile, lease: WorkItemLease | null, epoch: number): void {
    const shared = sharedWorkerKey(profile.shape);
    if (lease === null) {
      // Nothing for this owner means nothing for an owner without sessions either.
      this.emptyHints.set(shared, epoch, Date.now());
      const own = this.workerEmptyKey(profile);
      if (own !== shared) this.emptyHints.set(own, epoch, Date.now());
      return;
    }
    if (lease.item.session_id !== undefined && profile.ownerId !== null)
      this.noteSessionOwner(profile.ownerId);
    this.emptyHints.clear(shared);
    this.emptyHints.clear(this.workerEmptyKey(profile));
  }

  /**
   * Where a worker fetch's empty result is kept: per fetch shape, so that the idle slots of a
   * runtime (each its own session owner) share it — one slot's empty poll spares the others
   * theirs — except for owners holding sessions, whose own items only they can see. (An owner
   * id kept across a restart, `workerNodeId`, may own sessions this provider never handed out:
   * their items then wait for a stale hint, a few poll intervals at most.)
   */
  private workerEmptyKey(profile: WorkProfile): string {
    const { ownerId } = profile;
    return ownerId !== null && this.sessionOwners.has(ownerId)
      ? workerKey(profile)
      : sharedWorkerKey(profile.shape);
  }

  private noteSessionOwner(ownerId: string): void {
    if (this.sessionOwners.size >= MAX_SESSION_OWNERS && !this.sessionOwners.has(ownerId)) {
      this.sessionOwners.delete(this.sessionOwners.values().next().value!);
    }
    this.sessionOwners.add(ownerId);
  }

  rememberProfile(lockToken: string, profile: LeaseProfile): void {
    if (this.leaseProfiles.size >= MAX_LEASE_PROFILES) {
      this.leaseProfiles.delete(this.leaseProfiles.keys().next().value!);
    }
    this.leaseProfiles.set(lockToken, profile);
  }

  /** Forgets the profile of a lease given back. */
  forgetProfile(lockToken: string): void {
    this.leaseProfiles.delete(lockToken);
  }

  /** The profile of a lease being acked, when the ack should fetch the next item alike. */
  prefetchProfile(lockToken: string, queue: QueueKind): LeaseProfile | undefined {
    const profile = this.leaseProfiles.get(lockToken);
    this.leaseProfiles.delete(lockToken);
    if (profile === undefined || profile.queue !== queue || !this.dispatchers[queue].dispatching)
      return undefined;
    return profile;
  }
}
