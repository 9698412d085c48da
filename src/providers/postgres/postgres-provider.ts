/**
 * The PostgreSQL provider: a `pg` pool, one schema per tenant, every operation one round trip
 * (a PL/pgSQL function call or a single statement, see queries/), transient failures retried
 * per retry.ts, and one LISTEN connection that turns other processes' NOTIFYs into wake-ups.
 * Any number of processes on any number of hosts may share one schema.
 *
 * Round trips are what a turn costs (the server work per call is a fraction of a millisecond),
 * so the hot paths save them three ways:
 * - group commit (batcher.ts): concurrent fetches, acks and enqueues of one kind share a call;
 * - ack-and-fetch-next (prefetch.ts): a dispatcher slot's ack brings its next item, and new
 *   work goes straight to idle dispatcher slots of this process (handoff);
 * - local knowledge: an idle dispatcher is not sent to the store for work that was not
 *   announced, nor for messages of an instance whose turn runs here.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { InvalidInputError, LockLostError, ProviderError } from '../../core/errors.js';
import type {
  ActivityExecuteItem,
  HistoryEvent,
  OrchestratorWorkItem,
  StartOrchestrationItem,
} from '../../core/history.js';
import type {
  DeleteInstanceResult,
  ExecutionInfo,
  FetchOrchestrationItemOptions,
  FetchWorkItemOptions,
  InstanceFilter,
  InstanceInfo,
  InstanceQuery,
  InstanceStats,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  PruneOptions,
  PruneResult,
  QueueDepths,
  QueueKind,
  SystemMetrics,
  WorkItemLease,
  WorkerRegistration,
  WorkerRegistrationInput,
} from '../../core/provider.js';
import { Batcher, BatcherMap, type BatcherOptions } from './batcher.js';
import { HistoryCache } from './history-cache.js';
import { DispatcherDetector, EmptyHints, LeaseBuffer } from './prefetch.js';
import { migrations } from './generated/migrations.js';
import { NotificationListener } from './listener.js';
import { instanceOfLockToken, rowOfLockToken } from './lock-tokens.js';
import { migrate } from './migrate.js';
import {
  compilePostgresOptions,
  type CompiledPostgresOptions,
  type PostgresProviderOptions,
} from './postgres-options.js';
import { abandonOrchestrationItem } from './queries/abandon-orchestration-item.js';
import { abandonWorkItem } from './queries/abandon-work-item.js';
import {
  ackAndFetch,
  type AckAndFetchInput,
  type AckAndFetchResult,
  type AckEffects,
  type AckRequest,
  type AckWorkRequest,
} from './queries/ack-and-fetch.js';
import { cleanupOrphanedSessions } from './queries/cleanup-orphaned-sessions.js';
import type { Db, QueryContext } from './queries/context.js';
import { countInstances } from './queries/count-instances.js';
import { deleteInstanceBulk } from './queries/delete-instance-bulk.js';
import { createInstance } from './queries/create-instance.js';
import { deleteInstances } from './queries/delete-instances.js';
import { enqueueOrchestratorItems, type EnqueueRequest } from './queries/enqueue-orchestrator-items.js';
import { enqueueWorkerWork } from './queries/enqueue-worker-work.js';
import { fetchOrchestrationItems, type FetchedOrchestrations } from './queries/fetch-orchestration-items.js';
import { fetchWorkItems, type WorkFetchShape } from './queries/fetch-work-items.js';
import { getExecutionInfo } from './queries/get-execution-info.js';
import { getInstanceInfo } from './queries/get-instance-info.js';
import { getInstanceStats } from './queries/get-instance-stats.js';
import { getKvAllValues } from './queries/get-kv-all-values.js';
import { getKvValue } from './queries/get-kv-value.js';
import { getQueueDepths } from './queries/get-queue-depths.js';
import { listWorkers, registerWorker, unregisterWorker } from './queries/workers.js';
import { getSystemMetrics } from './queries/get-system-metrics.js';
import { listChildren } from './queries/list-children.js';
import { listExecutions } from './queries/list-executions.js';
import { listInstances } from './queries/list-instances.js';
import { nextVisibleAt } from './queries/next-visible-at.js';
import { pruneExecutionsBulk } from './queries/prune-executions-bulk.js';
import { pruneExecutions } from './queries/prune-executions.js';
import { readHistory } from './queries/read-history.js';
import { renewOrchestrationItemLock } from './queries/renew-orchestration-item-lock.js';
import { renewSessionLocks } from './queries/renew-session-locks.js';
import { renewWorkItemLock } from './queries/renew-work-item-lock.js';
import { mustDiscardConnection, toProviderError, withRetries } from './retry.js';
import { quoteIdentifier, statementPrefix, validateSchemaName } from './schema-name.js';
import { WakeSignals } from './wakeups.js';

const INT8_OID = 20;

/**
 * bigint columns (epoch ms, ids, counts) as JS numbers: every value durox stores in one is far
 * below 2^53. Configured per pool, so other users of `pg` in the process are unaffected.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Group commit (see batcher.ts): at most two batches of a kind in flight, so the hot paths
 * hold a handful of pooled connections at most and leave the rest to reads and renewals.
 */
const ACK_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 64 };
const FETCH_BATCHING: BatcherOptions = { maxInFlight: 2, maxBatch: 32 };

/** How a worker slot fetches: the shared shape and its own session owner. */
/** A caller of the orchestration fetch; callers coalesce when both fields match. */
interface OrchestrationFetchRequest {
  lockTimeoutMs: number;
  /** Sorted, distinct orchestration names to skip. */
  skip: string[];
}

interface WorkProfile {
  shape: WorkFetchShape;
  ownerId: string | null;
}

type LeaseProfile =
  { queue: 'orchestrator'; lockTimeoutMs: number } | { queue: 'worker'; profile: WorkProfile };

interface OrchestrationAckRequest extends AckRequest {
  /** Lock timeout of the next turn to fetch in the same call, if any. */
  prefetch?: number;
}

interface WorkAckRequest extends AckWorkRequest {
  /** How to fetch the next item in the same call, if any. */
  prefetch?: WorkProfile;
}

type PendingAck =
  { kind: 'turn'; request: OrchestrationAckRequest } | { kind: 'completion'; request: WorkAckRequest };

const orchestratorKey = (lockTimeoutMs: number, skip: readonly string[] = []): string =>
  skip.length === 0 ? `o:${lockTimeoutMs}` : `o:${lockTimeoutMs}:${JSON.stringify(skip)}`;
const shapeKey = (shape: WorkFetchShape): string => JSON.stringify(shape);
const workerKey = (profile: WorkProfile): string =>
  `w:${shapeKey(profile.shape)}\u0000${profile.ownerId ?? ''}`;

/** Leases handed out and not acked yet are remembered up to this many (a leak guard). */
const MAX_LEASE_PROFILES = 10_000;

function connectionConfig(url: string, options: CompiledPostgresOptions): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    application_name: options.applicationName,
    keepAlive: true,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  };
}

/**
 * A durox store in a PostgreSQL schema.
 *
 * @example
 * const provider = await PostgresProvider.connectWithSchema('postgres://user:pw@host/db', 'orders');
 * // … hand it to a Runtime and a Client …
 * await provider.close();
 */
export class PostgresProvider implements Provider {
  /** Short name for logs and metrics. */
  readonly name = 'postgres';
  private readonly wake: WakeSignals;
  private listener: NotificationListener | null = null;
  private closed = false;
  /**
   * Instances whose orchestration lease this provider holds (fetched, not yet acked or
   * abandoned), with the lease's expiry. Messages for them cannot be fetched until the turn
   * ends — and its ack announces them — so their arrival wakes no orchestrator dispatcher here.
   * Without this, a fan-out's completions would each send an idle dispatcher to the store for
   * nothing while the parent's turn runs.
   */
  private readonly heldInstances = new Map<string, { token: string; until: number; missed: boolean }>();
  // (Entries go when the turn is acked or abandoned, or on the first look after their lease
  // ran out; a turn that is never acked leaves one small entry behind.)
  /** Long histories decoded by earlier fetches (see history-cache.ts). */
  private readonly historyCache: HistoryCache;
  /** Coalesced calls, keyed by lock timeout and skip list. */
  private readonly orchestratorFetches: BatcherMap<OrchestrationFetchRequest, OrchestrationItem | null>;
  /** Turn acks and activity completions, coalesced together (one transaction per batch). */
  private readonly acks: Batcher<PendingAck, AckEffects | boolean | null>;
  private readonly orchestratorEnqueues: Batcher<EnqueueRequest, true>;
  /** Coalesced calls, keyed by their shared shape (session owners differ per call). */
  private readonly workerFetches: BatcherMap<WorkProfile, WorkItemLease | null>;
  /** How local dispatchers fetched last: what a handoff must lock for them. */
  private lastOrchestratorLockTimeoutMs: number | undefined;
  /**
   * Whether local dispatchers fetch with a skip list: then acks fetch nothing ahead for them
   * (ack_and_fetch's fetches know no skip list, and would hand them work they leave to others).
   */
  private orchestratorSkipping = false;
  private lastWorkerShape: WorkFetchShape | undefined;
  /** Ack-and-fetch-next (see prefetch.ts): leases locked ahead, by fetch profile. */
  private readonly orchestratorBuffer: LeaseBuffer<OrchestrationItem>;
  private readonly workerBuffer: LeaseBuffer<WorkItemLease>;
  /** Fetch profiles seen empty, keyed `o:<profile>` / `w:<profile>`. */
  private readonly emptyHints = new EmptyHints();
  private readonly dispatchers: Record<QueueKind, DispatcherDetector> = {
    orchestrator: new DispatcherDetector(),
    worker: new DispatcherDetector(),
  };
  /** The fetch profile of each lease handed out, so its ack can fetch the next one alike. */
  private readonly leaseProfiles = new Map<string, LeaseProfile>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ctx: QueryContext,
  ) {
    this.wake = new WakeSignals(
      (queue) => this.rearm(queue),
      ctx.origin,
      (instanceId) => this.holds(instanceId),
    );
    this.historyCache = new HistoryCache(ctx.options.historyCacheEvents);
    this.orchestratorBuffer = new LeaseBuffer((items) => {
      for (const item of items)
        this.abandonOrchestrationItem(item.lockToken, undefined, true).catch(() => undefined);
    });
    this.workerBuffer = new LeaseBuffer((leases) => {
      for (const lease of leases)
        this.abandonWorkItem(lease.lockToken, undefined, true).catch(() => undefined);
    });
    this.orchestratorFetches = new BatcherMap(FETCH_BATCHING, async (key, requests) => {
      const lockTimeoutMs = requests[0]?.lockTimeoutMs ?? 0;
      const skip = requests[0]?.skip ?? [];
      const epoch = this.wake.epoch('orchestrator');
      const nowMs = Date.now();
      const fetched = await this.run('fetchOrchestrationItem', (db) =>
        fetchOrchestrationItems(this.ctx, db, {
          nowMs,
          lockTimeoutMs,
          count: requests.length,
          cache: this.historyCache,
          skip,
        }),
      );
      this.noteOrchestrationFetch(key, fetched, requests.length, epoch);
      return requests.map((_, index) => fetched.items[index] ?? null);
    });
    this.acks = new Batcher(ACK_BATCHING, async (pending) => {
      const turns = pending.flatMap((p) => (p.kind === 'turn' ? [p.request] : []));
      const completions = pending.flatMap((p) => (p.kind === 'completion' ? [p.request] : []));
      const result = await this.commit(turns, completions);
      let turn = 0;
      let completion = 0;
      return pending.map((p) =>
        p.kind === 'turn' ? (result.turns[turn++] ?? null) : (result.completions[completion++] ?? false),
      );
    });
    this.orchestratorEnqueues = new Batcher(ACK_BATCHING, async (items) => {
      await this.run('enqueueOrchestratorWork', (db) =>
        enqueueOrchestratorItems(this.ctx, db, { nowMs: Date.now(), items }),
      );
      return items.map(() => true as const);
    });
    this.workerFetches = new BatcherMap(FETCH_BATCHING, async (_key, requests) => {
      const first = requests[0];
      if (first === undefined) return [];
      const epoch = this.wake.epoch('worker');
      const nowMs = Date.now();
      const leases = await this.run('fetchWorkItem', (db) =>
        fetchWorkItems(this.ctx, db, { nowMs, shape: first.shape, ownerIds: requests.map((r) => r.ownerId) }),
      );
      requests.forEach((request, index) => this.noteWorkFetch(request, leases[index] ?? null, epoch));
      return leases;
    });
  }

  /**
   * Commits turn acks and completions in one round trip, fetching in the same call (see
   * prefetch.ts) the next item of each acking dispatcher slot, and work the batch creates for
   * idle dispatcher slots of this process (handoff: an ack's new activities go straight to an
   * idle worker slot, a completion's orchestration to an idle orchestrator slot).
   */
  private async commit(
    turns: OrchestrationAckRequest[],
    completions: WorkAckRequest[],
  ): Promise<{ turns: (AckEffects | null)[]; completions: boolean[] }> {
    const nowMs = Date.now();
    const input: AckAndFetchInput = { nowMs, turns, completions };

    // Orchestration batches: one per acking slot, plus one per idle slot a completion may feed.
    const orchestratorTimeout =
      turns.find((turn) => turn.prefetch !== undefined)?.prefetch ?? this.lastOrchestratorLockTimeoutMs;
    const ownTurns = turns.filter(
      (turn) => turn.prefetch !== undefined && turn.prefetch === orchestratorTimeout,
    );
    let handoffTurns = 0;
    if (orchestratorTimeout !== undefined && this.dispatchers.orchestrator.dispatching) {
      // Completions of instances whose turn runs here cannot be fetched yet.
      const fed = completions.filter(
        (c) => c.completion !== null && !this.heldNow(c.completion.instance, nowMs),
      ).length;
      handoffTurns = Math.min(fed, this.wake.waiters('orchestrator'));
    }
    const orchestrationCount = ownTurns.length + handoffTurns;
    if (orchestratorTimeout !== undefined && orchestrationCount > 0 && !this.orchestratorSkipping) {
      input.orchestrations = {
        lockTimeoutMs: orchestratorTimeout,
        count: orchestrationCount,
        cache: this.historyCache,
      };
    }

    // Activities: one per acking worker slot (its own session owner), plus session-less ones for
    // idle worker slots, as many as the turns schedule.
    const shape = completions.find((c) => c.prefetch !== undefined)?.prefetch?.shape ?? this.lastWorkerShape;
    const ownProfiles = completions
      .map((c) => c.prefetch)
      .filter(
        (p): p is WorkProfile =>
          p !== undefined && shape !== undefined && shapeKey(p.shape) === shapeKey(shape),
      );
    let handoffActivities = 0;
    if (shape !== undefined && this.dispatchers.worker.dispatching) {
      const scheduled = turns.reduce((sum, turn) => sum + turn.ack.workerItems.length, 0);
      handoffActivities = Math.min(scheduled, this.wake.waiters('worker'));
    }
    const ownerIds = [
      ...ownProfiles.map((p) => p.ownerId),
      ...Array.from({ length: handoffActivities }, () => null),
    ];
    // A fetch with a skip list is never done ahead (see orchestratorSkipping).
    if (shape !== undefined && shape.skip.length === 0 && ownerIds.length > 0)
      input.activities = { shape, ownerIds };

    const orchestratorEpoch = this.wake.epoch('orchestrator');
    const workerEpoch = this.wake.epoch('worker');
    const result = await this.run(turns.length > 0 ? 'ackOrchestrationItem' : 'ackWorkItem', (db) =>
      ackAndFetch(this.ctx, db, input),
    );

    if (result.orchestrations !== null && orchestratorTimeout !== undefined) {
      const key = orchestratorKey(orchestratorTimeout);
      for (const item of result.orchestrations.items) {
        this.heldInstances.set(item.instanceId, {
          token: item.lockToken,
          until: nowMs + orchestratorTimeout,
          missed: false,
        });
        this.rememberProfile(item.lockToken, { queue: 'orchestrator', lockTimeoutMs: orchestratorTimeout });
        this.orchestratorBuffer.add(key, item, nowMs);
      }
      this.noteOrchestrationFetch(key, result.orchestrations, orchestrationCount, orchestratorEpoch);
      // Batches beyond what the acking slots take are for idle slots: wake them (nothing new
      // for the store's other readers).
      const extra = result.orchestrations.items.length - ownTurns.length;
      if (extra > 0) this.wake.notify('orchestrator', extra, false);
    }
    if (shape !== undefined && input.activities !== undefined) {
      result.activities.forEach((lease, index) => {
        const own = ownProfiles[index];
        if (lease !== null) {
          const profile: WorkProfile = { shape, ownerId: own?.ownerId ?? null };
          this.rememberProfile(lease.lockToken, { queue: 'worker', profile });
          // A session lease belongs to its owner; any slot of this shape may take the others.
          const key =
            lease.item.session_id !== undefined && own !== undefined
              ? workerKey(own)
              : `w:${shapeKey(shape)}`;
          this.workerBuffer.add(key, lease, nowMs);
        }
        if (own !== undefined) this.noteWorkFetch(own, lease, workerEpoch);
      });
    }
    this.signalCommit(turns, completions, result, ownProfiles.length);
    return { turns: result.turns, completions: result.completions };
  }

  /**
   * In-process wake-ups for a committed batch: dispatchers of this process learn about the work
   * it created without waiting for the NOTIFY. Work the same call already fetched (into the
   * buffers) is not announced as new — it would only send idle dispatchers to the store for
   * nothing — and neither are messages for instances whose turn runs here (their ack will).
   */
  private signalCommit(
    turns: readonly OrchestrationAckRequest[],
    completions: readonly WorkAckRequest[],
    result: AckAndFetchResult,
    ownActivities: number,
  ): void {
    const now = Date.now();
    const fetchedNow = new Set(result.orchestrations?.items.map((item) => item.instanceId) ?? []);
    const freshFor = (instanceId: string): number =>
      fetchedNow.has(instanceId) || this.holds(instanceId) ? 0 : 1;
    let orchestrator = 0;
    let worker = 0;
    turns.forEach((turn, index) => {
      const effects = result.turns[index];
      if (effects === undefined || effects === null) return;
      const visible = turn.ack.orchestratorItems.filter(({ visibleAtMs }) => (visibleAtMs ?? now) <= now);
      for (const { item } of visible) orchestrator += freshFor(item.instance);
      // Beyond the new items: messages that waited for this turn's lease (released now).
      if (effects.orchestratorReady > visible.length && !fetchedNow.has(turn.instanceId)) orchestrator++;
      if (effects.orchestratorDueAt !== null) this.wake.scheduleAt('orchestrator', effects.orchestratorDueAt);
      worker += effects.workerReady;
    });
    completions.forEach((completion, index) => {
      if (result.completions[index] === true && completion.completion !== null) {
        orchestrator += freshFor(completion.completion.instance);
      }
    });
    if (orchestrator > 0) this.wake.notify('orchestrator', orchestrator);
    // Activities this call locked (for acking slots and idle ones) are not new to anyone else.
    const leased = result.activities.filter((lease) => lease !== null).length;
    if (worker - leased > 0) this.wake.notify('worker', worker - leased);
    const handedOff = result.activities.slice(ownActivities).filter((lease) => lease !== null).length;
    if (handedOff > 0) this.wake.notify('worker', handedOff, false);
  }

  /** Records what a fetch (plain or prefetch) learned: timers, and whether the queue ran dry. */
  private noteOrchestrationFetch(
    key: string,
    fetched: FetchedOrchestrations,
    wanted: number,
    epoch: number,
  ): void {
    if (fetched.nextVisibleAt !== null) this.wake.scheduleAt('orchestrator', fetched.nextVisibleAt);
    // Trusted from when the answer arrived (under load a round trip can outlast the grace);
    // the epoch from before the call voids it if anything was announced meanwhile.
    if (fetched.items.length < wanted) this.emptyHints.set(key, epoch, Date.now());
    else this.emptyHints.clear(key);
  }

  private noteWorkFetch(profile: WorkProfile, lease: WorkItemLease | null, epoch: number): void {
    if (lease === null) this.emptyHints.set(workerKey(profile), epoch, Date.now());
    else this.emptyHints.clear(workerKey(profile));
  }

  private rememberProfile(lockToken: string, profile: LeaseProfile): void {
    if (this.leaseProfiles.size >= MAX_LEASE_PROFILES) {
      this.leaseProfiles.delete(this.leaseProfiles.keys().next().value!);
    }
    this.leaseProfiles.set(lockToken, profile);
  }

  /** The profile of a lease being acked, when the ack should fetch the next item alike. */
  private prefetchProfile(lockToken: string, queue: QueueKind): LeaseProfile | undefined {
    const profile = this.leaseProfiles.get(lockToken);
    this.leaseProfiles.delete(lockToken);
    if (profile === undefined || profile.queue !== queue || !this.dispatchers[queue].dispatching)
      return undefined;
    return profile;
  }

  /**
   * Connects to `url` (a `postgres://` connection string) and migrates the `public` schema.
   *
   * @throws InvalidInputError for invalid options.
   * @throws SchemaTooNewError when a newer durox migrated the schema with a breaking change.
   */
  static async connect(url: string, options?: PostgresProviderOptions): Promise<PostgresProvider> {
    return PostgresProvider.connectWithSchema(url, 'public', options);
  }

  /**
   * Connects to `url` and keeps everything in `schema` (created and migrated if needed), so
   * several applications or tenants can share one database. Any schema name works; it is
   * always quoted.
   *
   * @throws InvalidInputError for an invalid schema name or options.
   * @throws SchemaTooNewError when a newer durox migrated the schema with a breaking change.
   */
  static async connectWithSchema(
    url: string,
    schema: string,
    options?: PostgresProviderOptions,
  ): Promise<PostgresProvider> {
    if (typeof url !== 'string' || url.trim() === '') {
      throw new InvalidInputError('url must be a PostgreSQL connection string (postgres://…)');
    }
    validateSchemaName(schema);
    const compiled = compilePostgresOptions(options);
    const config = connectionConfig(url, compiled);
    const pool = new pg.Pool({
      ...config,
      types: TYPES,
      max: compiled.poolSize,
      idleTimeoutMillis: compiled.idleTimeoutMs,
      // Idle pooled connections (and their idle timers) must not keep the process alive: a
      // script that shut its runtime down exits without close(), as with duroxide-node.
      allowExitOnIdle: true,
    });
    // A pooled connection that dies while idle (server restart, pg_terminate_backend) is
    // dropped by the pool; without a listener the error would crash the process.
    pool.on('error', () => undefined);
    // A connection killed while checked out emits 'error' besides failing its query (which the
    // retry logic handles); without a listener that event would crash the process.
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      const channel = await withRetries('connect', compiled.maxRetries, async () => {
        const client = await pool.connect();
        let failure: Error | undefined;
        try {
          await migrate(client, schema, migrations);
          const result = await client.query<{ channel: string }>(
            "SELECT 'durox_' || left(md5($1::text), 24) AS channel",
            [schema],
          );
          return result.rows[0]?.channel ?? '';
        } catch (err) {
          // The advisory lock is session-level: a connection that failed midway is not reused.
          failure = err instanceof Error ? err : new Error(String(err));
          throw err;
        } finally {
          client.release(failure);
        }
      });
      const ctx: QueryContext = Object.freeze({
        schema,
        quotedSchema: quoteIdentifier(schema),
        statementPrefix: statementPrefix(schema),
        origin: randomUUID().slice(0, 8),
        options: compiled,
      });
      const provider = new PostgresProvider(pool, ctx);
      if (compiled.listen) {
        const listener = new NotificationListener({ ...config, statement_timeout: false }, channel, {
          onNotification: (payload) => provider.wake.onNotification(payload),
          onReconnect: () => provider.wake.notifyAll(),
        });
        await listener.start();
        provider.listener = listener;
      }
      // Announcements sent before the LISTEN were missed (as after a reconnect), so every stored
      // item counts (0: times are epoch ms). Awaited: an answer arriving after the caller's first
      // writes would wake its waiters for those once more.
      await provider.armFromStore(['orchestrator', 'worker'], 0);
      return provider;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw toProviderError('connect', err);
    }
  }

  /** The schema this provider works in. */
  get schema(): string {
    return this.ctx.schema;
  }

  /**
   * Runs one operation on a pooled connection, retrying transient failures. A connection that
   * saw a connection-level failure is discarded instead of going back to the pool.
   */
  private run<T>(operation: string, work: (db: Db) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError(operation));
    return withRetries(operation, this.ctx.options.maxRetries, async () => {
      if (this.closed) throw this.closedError(operation);
      const client = await this.pool.connect();
      let failure: Error | undefined;
      try {
        return await work(client);
      } catch (err) {
        if (mustDiscardConnection(err)) failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    });
  }

  private closedError(operation: string): ProviderError {
    return new ProviderError(operation, 'the PostgreSQL provider is closed', false);
  }

  // ---- wake-up plumbing ---------------------------------------------------------------------

  /** After a queue's timer fired: arms it for the next item still delayed. */
  private rearm(queue: QueueKind): void {
    void this.armFromStore([queue], Date.now());
  }

  /**
   * Wakes `queues` for the earliest item in the store visible after `afterMs`, or arms their
   * timers for it (best effort). An item that became visible while the query ran wakes at once:
   * its writer announced only its due time, which this provider may have dropped for an
   * earlier timer.
   */
  private async armFromStore(queues: readonly QueueKind[], afterMs: number): Promise<void> {
    if (this.closed) return;
    try {
      const next = await this.run('nextVisibleAt', (db) => nextVisibleAt(this.ctx, db, { afterMs }));
      for (const queue of queues) {
        const at = next[queue];
        if (at !== null) this.wake.scheduleAt(queue, at);
      }
    } catch {
      // A failed look-up only costs a late wake-up; dispatchers also poll.
    }
  }

  /** Wakes waiters on `queue` now, or arms the timer for `visibleAt`. */
  private signalQueue(queue: QueueKind, visibleAt: number): void {
    if (visibleAt <= Date.now()) this.wake.notify(queue, 1);
    else this.wake.scheduleAt(queue, visibleAt);
  }

  // ---- orchestrator queue -------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchOrchestrationItem} */
  async fetchOrchestrationItem(
    lockTimeoutMs: number,
    options?: FetchOrchestrationItemOptions,
  ): Promise<OrchestrationItem | null> {
    if (this.closed) throw this.closedError('fetchOrchestrationItem');
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
        this.emptyHints.stillEmpty(key, this.wake.epoch('orchestrator'), startedAt)
      ) {
        return null;
      }
      const item = await this.orchestratorFetches.submit(key, { lockTimeoutMs: timeout, skip });
      if (item !== null) {
        this.heldInstances.set(item.instanceId, {
          token: item.lockToken,
          until: startedAt + timeout,
          missed: false,
        });
        if (skip.length === 0)
          this.rememberProfile(item.lockToken, { queue: 'orchestrator', lockTimeoutMs: timeout });
      }
      return item;
    } finally {
      dispatchers.leave();
    }
  }

  /** True while this provider holds a (probably) live lease of the instance; no side effects. */
  private heldNow(instanceId: string, now: number): boolean {
    const held = this.heldInstances.get(instanceId);
    return held !== undefined && held.until > now;
  }

  /**
   * True while this provider holds a (probably) live lease of the instance; the caller is about
   * to skip a wake-up for it, which is remembered and made up for when the lease ends.
   */
  private holds(instanceId: string): boolean {
    const held = this.heldInstances.get(instanceId);
    if (held === undefined) return false;
    if (held.until > Date.now()) {
      held.missed = true;
      return true;
    }
    this.release(instanceId);
    return false;
  }

  /**
   * Forgets a lease this provider held. A message may have arrived for the instance too late for
   * the turn's ack to see it (another process committed it meanwhile): if a wake-up was skipped
   * for it, one is sent now.
   */
  private release(instanceId: string, lockToken?: string): void {
    const held = this.heldInstances.get(instanceId);
    // A newer lease of the instance (fetched by the same call that acked the old one) stays.
    if (held === undefined || (lockToken !== undefined && held.token !== lockToken)) return;
    this.heldInstances.delete(instanceId);
    if (held.missed) this.wake.notify('orchestrator', 1);
  }

  /** Wakes orchestrator dispatchers for new messages of `instanceId`, unless a local turn holds it. */
  private signalOrchestratorMessage(instanceId: string, visibleAt: number): void {
    if (visibleAt <= Date.now() && this.holds(instanceId)) return;
    this.signalQueue('orchestrator', visibleAt);
  }

  /** {@inheritDoc Provider.ackOrchestrationItem} */
  async ackOrchestrationItem(lockToken: string, ack: OrchestrationAck): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    if (this.closed) throw this.closedError('ackOrchestrationItem');
    let effects: AckEffects | null;
    try {
      const profile = this.prefetchProfile(lockToken, 'orchestrator');
      effects = (await this.acks.submit({
        kind: 'turn',
        request: {
          instanceId,
          lockToken,
          ack,
          ...(profile?.queue === 'orchestrator' ? { prefetch: profile.lockTimeoutMs } : {}),
        },
      })) as AckEffects | null;
    } catch (err) {
      // A failed ack may have lost the lease (or keep it): either way, stop suppressing wake-ups.
      this.release(instanceId, lockToken);
      throw err;
    }
    this.release(instanceId, lockToken);
    if (effects === null) {
      throw new LockLostError('orchestration lock expired or is unknown; the turn was not committed', {
        instanceId,
      });
    }
    for (const touched of effects.touchedInstances) this.wake.notifyInstance(touched);
  }

  /** {@inheritDoc Provider.abandonOrchestrationItem} */
  async abandonOrchestrationItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    const delay = delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : undefined;
    const nowMs = Date.now();
    this.release(instanceId, lockToken);
    this.leaseProfiles.delete(lockToken);
    const released = await this.run('abandonOrchestrationItem', (db) =>
      abandonOrchestrationItem(this.ctx, db, { instanceId, lockToken, nowMs, delayMs: delay, ignoreAttempt }),
    );
    if (!released) {
      throw new LockLostError('orchestration lock token is unknown or already released', { instanceId });
    }
    this.signalQueue('orchestrator', nowMs + (delay ?? 0));
  }

  /** {@inheritDoc Provider.renewOrchestrationItemLock} */
  async renewOrchestrationItemLock(lockToken: string, extendMs: number): Promise<void> {
    const instanceId = instanceOfLockToken(lockToken);
    if (instanceId === null) throw new LockLostError('orchestration lock token is malformed');
    const renewed = await this.run('renewOrchestrationItemLock', (db) =>
      renewOrchestrationItemLock(this.ctx, db, {
        instanceId,
        lockToken,
        nowMs: Date.now(),
        extendMs: Math.ceil(extendMs),
      }),
    );
    if (!renewed) {
      this.release(instanceId, lockToken);
      throw new LockLostError('orchestration lock expired or is unknown', { instanceId });
    }
    const held = this.heldInstances.get(instanceId);
    if (held !== undefined) held.until = Date.now() + Math.ceil(extendMs);
  }

  /** {@inheritDoc Provider.enqueueOrchestratorWork} */
  async enqueueOrchestratorWork(item: OrchestratorWorkItem, delayMs?: number): Promise<void> {
    if (typeof item?.instance !== 'string') {
      throw new InvalidInputError('orchestrator work item must name its target instance');
    }
    if (this.closed) throw this.closedError('enqueueOrchestratorWork');
    const visibleAtMs = Date.now() + (delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : 0);
    await this.orchestratorEnqueues.submit({ item, visibleAtMs });
    this.signalOrchestratorMessage(item.instance, visibleAtMs);
    this.wake.notifyInstance(item.instance);
  }

  /** {@inheritDoc Provider.createInstance} */
  async createInstance(start: StartOrchestrationItem): Promise<boolean> {
    if (typeof start?.instance !== 'string') {
      throw new InvalidInputError('a start must name its instance');
    }
    if (this.closed) throw this.closedError('createInstance');
    const nowMs = Date.now();
    const created = await this.run('createInstance', (db) => createInstance(this.ctx, db, { nowMs, start }));
    if (!created) return false;
    this.signalOrchestratorMessage(start.instance, nowMs);
    this.wake.notifyInstance(start.instance);
    return true;
  }

  // ---- worker queue -------------------------------------------------------------------------

  /** {@inheritDoc Provider.fetchWorkItem} */
  async fetchWorkItem(lockTimeoutMs: number, options: FetchWorkItemOptions): Promise<WorkItemLease | null> {
    if (options.tagFilter.mode === 'none') return null;
    if (this.closed) throw this.closedError('fetchWorkItem');
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
        this.workerBuffer.take(key, startedAt) ?? this.workerBuffer.take(`w:${shapeKey(shape)}`, startedAt);
      if (buffered !== undefined) {
        // Its ack fetches the next item for this slot (its own session owner).
        this.rememberProfile(buffered.lockToken, { queue: 'worker', profile });
        return buffered;
      }
      if (dispatchers.dispatching && this.emptyHints.stillEmpty(key, this.wake.epoch('worker'), startedAt)) {
        return null;
      }
      const lease = await this.workerFetches.submit(shapeKey(shape), profile);
      if (lease !== null) this.rememberProfile(lease.lockToken, { queue: 'worker', profile });
      return lease;
    } finally {
      dispatchers.leave();
    }
  }

  /** {@inheritDoc Provider.ackWorkItem} */
  async ackWorkItem(lockToken: string, completion: OrchestratorWorkItem | null): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    if (this.closed) throw this.closedError('ackWorkItem');
    const profile = this.prefetchProfile(lockToken, 'worker');
    const acked = await this.acks.submit({
      kind: 'completion',
      request: {
        rowId,
        lockToken,
        completion,
        ...(profile?.queue === 'worker' ? { prefetch: profile.profile } : {}),
      },
    });
    if (!acked) throw new LockLostError('activity lock expired, or the activity was withdrawn');
    if (completion === null) return;
    this.wake.notifyInstance(completion.instance);
  }

  /** {@inheritDoc Provider.renewWorkItemLock} */
  async renewWorkItemLock(lockToken: string, extendMs: number): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    const renewed = await this.run('renewWorkItemLock', (db) =>
      renewWorkItemLock(this.ctx, db, { rowId, lockToken, nowMs: Date.now(), extendMs: Math.ceil(extendMs) }),
    );
    if (!renewed) throw new LockLostError('activity lock expired, or the activity was withdrawn');
  }

  /** {@inheritDoc Provider.abandonWorkItem} */
  async abandonWorkItem(lockToken: string, delayMs?: number, ignoreAttempt = false): Promise<void> {
    const rowId = rowOfLockToken(lockToken);
    if (rowId === null) throw new LockLostError('activity lock token is malformed');
    const delay = delayMs !== undefined && delayMs > 0 ? Math.ceil(delayMs) : undefined;
    const nowMs = Date.now();
    this.leaseProfiles.delete(lockToken);
    const released = await this.run('abandonWorkItem', (db) =>
      abandonWorkItem(this.ctx, db, { rowId, lockToken, nowMs, delayMs: delay, ignoreAttempt }),
    );
    if (!released) throw new LockLostError('activity lock token is unknown or already released');
    this.signalQueue('worker', nowMs + (delay ?? 0));
  }

  /** {@inheritDoc Provider.enqueueWorkerWork} */
  async enqueueWorkerWork(item: ActivityExecuteItem): Promise<void> {
    await this.run('enqueueWorkerWork', (db) => enqueueWorkerWork(this.ctx, db, { item, nowMs: Date.now() }));
    this.wake.notify('worker', 1);
  }

  /** {@inheritDoc Provider.renewSessionLocks} */
  renewSessionLocks(ownerIds: string[], extendMs: number, idleTimeoutMs: number): Promise<number> {
    return this.run('renewSessionLocks', (db) =>
      renewSessionLocks(this.ctx, db, { ownerIds, nowMs: Date.now(), extendMs, idleTimeoutMs }),
    );
  }

  /** {@inheritDoc Provider.cleanupOrphanedSessions} */
  cleanupOrphanedSessions(): Promise<number> {
    return this.run('cleanupOrphanedSessions', (db) =>
      cleanupOrphanedSessions(this.ctx, db, { nowMs: Date.now() }),
    );
  }

  // ---- reads --------------------------------------------------------------------------------

  /** {@inheritDoc Provider.readHistory} */
  readHistory(instanceId: string, executionId?: number): Promise<HistoryEvent[]> {
    return this.run('readHistory', (db) =>
      readHistory(this.ctx, db, executionId === undefined ? { instanceId } : { instanceId, executionId }),
    );
  }

  /** {@inheritDoc Provider.getInstanceInfo} */
  getInstanceInfo(instanceId: string): Promise<InstanceInfo | null> {
    return this.run('getInstanceInfo', (db) => getInstanceInfo(this.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.getKvValue} */
  getKvValue(instanceId: string, key: string): Promise<string | null> {
    return this.run('getKvValue', (db) => getKvValue(this.ctx, db, { instanceId, key }));
  }

  /** {@inheritDoc Provider.getKvAllValues} */
  getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    return this.run('getKvAllValues', (db) => getKvAllValues(this.ctx, db, { instanceId }));
  }

  // ---- management ---------------------------------------------------------------------------

  /** {@inheritDoc Provider.listInstances} */
  listInstances(query?: InstanceQuery): Promise<InstanceInfo[]> {
    return this.run('listInstances', (db) =>
      listInstances(this.ctx, db, query === undefined ? {} : { query }),
    );
  }

  /** {@inheritDoc Provider.countInstances} */
  countInstances(query?: InstanceQuery): Promise<number> {
    return this.run('countInstances', (db) =>
      countInstances(this.ctx, db, query === undefined ? {} : { query }),
    );
  }

  /** {@inheritDoc Provider.listExecutions} */
  listExecutions(instanceId: string): Promise<number[]> {
    return this.run('listExecutions', (db) => listExecutions(this.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.getExecutionInfo} */
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo | null> {
    return this.run('getExecutionInfo', (db) => getExecutionInfo(this.ctx, db, { instanceId, executionId }));
  }

  /** {@inheritDoc Provider.listChildren} */
  listChildren(instanceId: string): Promise<string[]> {
    return this.run('listChildren', (db) => listChildren(this.ctx, db, { instanceId }));
  }

  /** {@inheritDoc Provider.deleteInstances} */
  async deleteInstances(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    const result = await this.run('deleteInstances', (db) =>
      deleteInstances(this.ctx, db, { instanceIds, force }),
    );
    for (const instanceId of new Set(instanceIds)) {
      this.historyCache.delete(instanceId);
      this.wake.notifyInstance(instanceId);
    }
    return result;
  }

  /** {@inheritDoc Provider.deleteInstanceBulk} */
  async deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult> {
    const outcome = await this.run('deleteInstanceBulk', (db) =>
      deleteInstanceBulk(this.ctx, db, { filter }),
    );
    for (const instanceId of outcome.instanceIds) {
      this.historyCache.delete(instanceId);
      this.wake.notifyInstance(instanceId);
    }
    return outcome.result;
  }

  /** {@inheritDoc Provider.pruneExecutions} */
  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult> {
    return this.run('pruneExecutions', (db) => pruneExecutions(this.ctx, db, { instanceId, options }));
  }

  /** {@inheritDoc Provider.pruneExecutionsBulk} */
  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult> {
    return this.run('pruneExecutionsBulk', (db) => pruneExecutionsBulk(this.ctx, db, { filter, options }));
  }

  /** {@inheritDoc Provider.getSystemMetrics} */
  getSystemMetrics(): Promise<SystemMetrics> {
    return this.run('getSystemMetrics', (db) => getSystemMetrics(this.ctx, db));
  }

  /** {@inheritDoc Provider.registerWorker} */
  registerWorker(registration: WorkerRegistrationInput, ttlMs: number): Promise<void> {
    return this.run('registerWorker', (db) =>
      registerWorker(this.ctx, db, { registration, ttlMs, nowMs: Date.now() }),
    );
  }

  /** {@inheritDoc Provider.unregisterWorker} */
  unregisterWorker(workerId: string): Promise<void> {
    return this.run('unregisterWorker', (db) => unregisterWorker(this.ctx, db, { workerId }));
  }

  /** {@inheritDoc Provider.listWorkers} */
  listWorkers(): Promise<WorkerRegistration[]> {
    return this.run('listWorkers', (db) => listWorkers(this.ctx, db, { nowMs: Date.now() }));
  }

  /** {@inheritDoc Provider.getQueueDepths} */
  getQueueDepths(): Promise<QueueDepths> {
    return this.run('getQueueDepths', (db) => getQueueDepths(this.ctx, db, { nowMs: Date.now() }));
  }

  /** {@inheritDoc Provider.getInstanceStats} */
  getInstanceStats(instanceId: string): Promise<InstanceStats | null> {
    return this.run('getInstanceStats', (db) => getInstanceStats(this.ctx, db, { instanceId }));
  }

  // ---- wake-ups -----------------------------------------------------------------------------

  /** {@inheritDoc Provider.waitForWork} */
  async waitForWork(queue: QueueKind, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw this.closedError('waitForWork');
    const dispatchers = this.dispatchers[queue];
    dispatchers.enter();
    try {
      return await this.wake.waitForWork(queue, timeoutMs, signal);
    } finally {
      dispatchers.leave();
    }
  }

  /** {@inheritDoc Provider.waitForInstanceChange} */
  async waitForInstanceChange(instanceId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw this.closedError('waitForInstanceChange');
    return this.wake.waitForInstanceChange(instanceId, timeoutMs, signal);
  }

  /** Ends the LISTEN connection and the pool, clears timers and releases waiters. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Leases locked ahead go back first (without counting the attempt), so others need not
    // wait for them to expire.
    await Promise.allSettled([
      ...this.orchestratorBuffer
        .clear()
        .map((item) => this.abandonOrchestrationItem(item.lockToken, undefined, true)),
      ...this.workerBuffer.clear().map((lease) => this.abandonWorkItem(lease.lockToken, undefined, true)),
    ]);
    if (this.closed) return;
    this.closed = true;
    this.wake.close();
    // Idle sockets are unref'd (allowExitOnIdle, the LISTEN client): hold the event loop open
    // until they have ended, or a script awaiting close() would exit before it settles.
    const holdOpen = setInterval(() => undefined, 60_000);
    try {
      await this.listener?.close();
      this.listener = null;
      await this.pool.end();
    } finally {
      clearInterval(holdOpen);
    }
  }
}
