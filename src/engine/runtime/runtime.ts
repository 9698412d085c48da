/**
 * Runtime: hosts orchestration and activity code and runs the dispatchers against a provider.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setMaxListeners } from 'node:events';
import { Client } from '../client.js';
import { IllegalStateError, InvalidInputError } from '../../core/errors.js';
import { createStepGuard } from '../determinism/guard.js';
import { outsideSteps } from '../determinism/globals.js';
import { createLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { Metrics } from '../metrics.js';
import type { MetricsSnapshot } from '../metrics.js';
import { activityHandlerOf, isDefinition, orchestrationHandlerOf } from '../definitions.js';
import type { AnyDefinition, AnyOrchestrationDefinition } from '../definitions.js';
import { ActivityRegistry, DEFAULT_VERSION, OrchestrationRegistry } from '../registry.js';
import type { ActivityHandler } from '../registry.js';
import type { OrchestrationHandler, StepGuardFactory, TraceSink } from '../replay/execution.js';
import { SYSCALL_GET_KV_VALUE, SYSCALL_PREFIX } from '../replay/tasks.js';
import { announceLocalRegistry } from '../schedules/known-orchestrations.js';
import {
  SCHEDULE_OBSERVE_ACTIVITY,
  SCHEDULE_ORCHESTRATION,
  SCHEDULE_ORCHESTRATION_VERSION,
  scheduleObserveActivity,
  scheduleOrchestration,
} from '../schedules/schedule-orchestration.js';
import type { Provider, WorkerRegistrationInput } from '../../core/provider.js';
import { InstanceCache } from './instance-cache.js';
import { OrchestrationDispatcher } from './orchestration-dispatcher.js';
import { TurnPlanner } from './orchestration-turn.js';
import { sleep } from '../../core/sleep.js';
import { compileRuntimeOptions } from './runtime-options.js';
import type { CompiledRuntimeOptions, RuntimeOptions } from './runtime-options.js';
import { WorkerDispatcher } from './worker-dispatcher.js';
import { WorkerDirectory } from './worker-directory.js';
import { ObserverHub } from './observers.js';
import type { RuntimeObservers } from './observers.js';
import { observeProvider } from './observed-provider.js';

const SESSION_CLEANUP_INTERVAL_MS = 300_000;

/**
 * The orchestrations a client of a runtime may start with `client.start(def, …)`: those
 * registered through `register` (chained), or any definition when none was.
 */
export type RegisteredOrchestrations<Known extends AnyDefinition> = [
  Extract<Known, AnyOrchestrationDefinition>,
] extends [never]
  ? AnyOrchestrationDefinition
  : Extract<Known, AnyOrchestrationDefinition>;

/**
 * Hosts orchestration and activity code and runs the dispatchers. `Known` is the set of typed
 * definitions registered with {@link Runtime.register} (tracked when the calls are chained), so
 * that `runtime.client()` starts only those.
 */
export class Runtime<Known extends AnyDefinition = never> {
  readonly #provider: Provider;
  readonly #options: CompiledRuntimeOptions;
  readonly #logger: Logger;
  readonly #metrics = new Metrics();
  readonly #orchestrations = new OrchestrationRegistry();
  readonly #activities = new ActivityRegistry();
  readonly #runtimeId = randomBytes(2).toString('hex');
  /** This runtime's entry in the store's worker registry: unique across processes. */
  readonly #workerId = `${hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
  readonly #cache: InstanceCache;
  /** The determinism guard of this runtime's executions (undefined when `determinism: 'off'`). */
  readonly #stepGuard: StepGuardFactory | undefined;
  readonly #observers: ObserverHub;
  #stop: AbortController | null = null;
  #loops: Promise<void>[] = [];
  #worker: WorkerDispatcher | null = null;
  #client: Client | null = null;

  constructor(provider: Provider, options?: RuntimeOptions) {
    this.#provider = provider;
    // The provider's recommended defaults (e.g. more concurrency on PostgreSQL) fill what the user left out.
    this.#options = compileRuntimeOptions(options, provider.recommendedRuntimeOptions?.());
    this.#logger = createLogger({ level: this.#options.logLevel, format: this.#options.logFormat });
    for (const key of this.#options.unknownOptions) {
      this.#logger.log('warn', `unknown runtime option "${key}" ignored`);
    }
    this.#observers = new ObserverHub(this.#logger);
    for (const observers of this.#options.observers) this.#observers.add(observers);
    this.#cache = new InstanceCache(this.#options.orchestrationCacheSize);
    this.#stepGuard = createStepGuard(this.#options.determinism, (message, fields) =>
      this.#logger.log('warn', message, fields),
    );
    this.#activities.registerBuiltin(
      SYSCALL_GET_KV_VALUE,
      async (_ctx, input: { instance_id: string; key: string }) =>
        this.#provider.getKvValue(input.instance_id, input.key),
    );
    // Schedules (docs/schedules.md) run on every runtime.
    this.#activities.registerBuiltin(SCHEDULE_OBSERVE_ACTIVITY, scheduleObserveActivity(provider));
    this.#orchestrations.registerBuiltin(
      SCHEDULE_ORCHESTRATION,
      SCHEDULE_ORCHESTRATION_VERSION,
      scheduleOrchestration as OrchestrationHandler,
    );
    announceLocalRegistry(provider, (name, version) =>
      version === undefined
        ? this.#orchestrations.latestVersion(name) !== undefined
        : this.#orchestrations.resolve(name, version) !== undefined,
    );
  }

  /**
   * Registers typed definitions (made by `defineActivity` / `defineOrchestration`): an
   * orchestration at its version (default `1.0.0`). Payloads are checked against the
   * definitions' schemas. Returns this runtime, typed with the definitions, so that
   * `new Runtime(provider).register(a, b).client()` is a client that starts only `a` and `b`.
   */
  register<const T extends readonly AnyDefinition[]>(...defs: T): Runtime<Known | T[number]> {
    defs.forEach((def: unknown, index) => {
      if (!isDefinition(def)) {
        throw new InvalidInputError(
          `runtime.register: argument ${index + 1} is not a definition (make one with defineActivity or defineOrchestration)`,
        );
      }
    });
    for (const def of defs) {
      if (def.kind === 'activity') this.#activities.register(def.name, activityHandlerOf(def));
      else
        this.#orchestrations.register(def.name, def.version ?? DEFAULT_VERSION, orchestrationHandlerOf(def));
    }
    return this as Runtime<Known | T[number]>;
  }

  /** Registers an activity: `async (ctx, input) => result`. */
  registerActivity(name: string, handler: ActivityHandler): void {
    this.#activities.register(name, handler);
  }

  registerActivityTyped(name: string, handler: ActivityHandler): void {
    this.registerActivity(name, handler);
  }

  /** Registers an orchestration generator function at version 1.0.0. */
  registerOrchestration(name: string, handler: OrchestrationHandler): void {
    this.#orchestrations.register(name, DEFAULT_VERSION, handler);
  }

  registerOrchestrationTyped(name: string, handler: OrchestrationHandler): void {
    this.registerOrchestration(name, handler);
  }

  /** Registers one version of an orchestration; new starts use the highest version. */
  registerOrchestrationVersioned(name: string, version: string, handler: OrchestrationHandler): void {
    this.#orchestrations.register(name, version, handler);
  }

  registerOrchestrationVersionedTyped(name: string, version: string, handler: OrchestrationHandler): void {
    this.registerOrchestrationVersioned(name, version, handler);
  }

  /** The compiled options (defaults filled in). */
  get options(): CompiledRuntimeOptions {
    return this.#options;
  }

  /** Instance-cache statistics: hits resume live generators, misses replay history. */
  cacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.#cache.hits, misses: this.#cache.misses, size: this.#cache.size };
  }

  /**
   * Adds observation hooks (see {@link RuntimeObservers} and docs/observability.md), as the
   * `observers` option does. Call it before `start()`: the runtime decides then what it measures.
   *
   * @throws IllegalStateError once the runtime was started.
   * @example
   * runtime.observe({ activityEnd: (e) => console.log(e.name, e.outcome, e.durationMs) });
   */
  observe(observers: RuntimeObservers): void {
    if (this.#stop) throw new IllegalStateError('runtime.observe() must be called before start()');
    this.#observers.add(observers);
  }

  /** Starts the dispatchers and returns once they run. */
  async start(): Promise<void> {
    if (this.#stop?.signal.aborted)
      throw new IllegalStateError('runtime was shut down; create a new Runtime to start again');
    if (this.#stop) throw new IllegalStateError('runtime already started');
    const stop = new AbortController();
    // Every idle dispatcher loop listens on this signal.
    setMaxListeners(0, stop.signal);
    this.#stop = stop;
    const observers = this.#observers.any ? this.#observers : null;
    // Store calls are timed only when someone listens.
    const provider = this.#observers.has('providerOperation')
      ? observeProvider(this.#provider, this.#observers)
      : this.#provider;
    const directory = new WorkerDirectory(provider, () => this.#registration(), this.#logger);
    // Announced before the first fetch, so other workers leave this one's work alone at once.
    await directory.heartbeat();
    const deps = {
      provider,
      options: this.#options,
      logger: this.#logger,
      metrics: this.#metrics,
      stop: stop.signal,
      directory,
      observers,
    };
    // ctx.trace* runs inside the code's step: the logger reads the real clock.
    const trace: TraceSink = (level, message, exec) =>
      outsideSteps(() =>
        this.#logger.log(
          level,
          message,
          {
            instance_id: exec.instanceId,
            execution_id: exec.executionId,
            orchestration_name: exec.orchestrationName,
            orchestration_version: exec.orchestrationVersion,
          },
          'orchestration',
        ),
      );
    const planner = new TurnPlanner(
      this.#orchestrations,
      this.#cache,
      this.#options,
      trace,
      directory.supported ? 'on any running worker' : 'on this worker',
      this.#stepGuard,
    );
    const worker = new WorkerDispatcher(deps, this.#activities, this.#runtimeId, () => this.client());
    const runsActivities = this.#options.workerConcurrency > 0 && this.#options.tagFilter.mode !== 'none';
    const orchestration = new OrchestrationDispatcher(
      deps,
      planner,
      this.#cache,
      (ids) => worker.cancelWithdrawn(ids),
      runsActivities ? worker : null,
    );
    if (runsActivities && this.#options.instanceHoldMs > 0 && provider.ackHeldTurn !== undefined) {
      worker.commitResultsThrough(orchestration);
    }
    this.#worker = worker;
    this.#loops.push(this.#guard(directory.run(stop.signal)));
    for (let i = 0; i < this.#options.orchestrationConcurrency; i++)
      this.#loops.push(this.#guard(orchestration.run()));
    for (let i = 0; i < this.#options.workerConcurrency; i++) this.#loops.push(this.#guard(worker.run(i)));
    if (this.#options.workerConcurrency > 0 && this.#options.tagFilter.mode !== 'none') {
      this.#loops.push(this.#guard(this.#maintainSessions(provider, worker, stop.signal)));
    }
    this.#logger.log('info', `durox runtime ${this.#runtimeId} started on provider ${this.#provider.name}`, {
      orchestration_concurrency: this.#options.orchestrationConcurrency,
      worker_concurrency: this.#options.workerConcurrency,
    });
  }

  /**
   * Stops fetching work and waits up to `timeoutMs` for turns and activities in flight. Activities
   * still running then are cancelled and their items given back for another worker.
   */
  async shutdown(timeoutMs = 1000): Promise<void> {
    const stop = this.#stop;
    if (!stop || stop.signal.aborted) return;
    stop.abort();
    const drained = Promise.all(this.#loops).then(() => true);
    // The grace timer is cancelled as soon as everything drained, so it never keeps the process alive.
    const grace = new AbortController();
    const finished = await Promise.race([drained, sleep(timeoutMs, grace.signal).then(() => false)]);
    if (!finished) {
      await this.#worker?.releaseRunning();
      await Promise.race([drained, sleep(Math.min(timeoutMs, 1000), grace.signal)]);
    }
    grace.abort();
    this.#logger.log('info', `durox runtime ${this.#runtimeId} stopped`);
  }

  /** What this runtime announces in the worker registry: only what its dispatchers fetch. */
  #registration(): WorkerRegistrationInput {
    const o = this.#options;
    const orchestrations: Record<string, string[]> = {};
    if (o.orchestrationConcurrency > 0) {
      for (const name of this.#orchestrations.names())
        orchestrations[name] = this.#orchestrations.versions(name);
    }
    const runsActivities = o.workerConcurrency > 0 && o.tagFilter.mode !== 'none';
    return {
      workerId: this.#workerId,
      orchestrations,
      activities: runsActivities ? this.#activities.names() : [],
    };
  }

  /** @internal The orchestration registered as `name` at `version` (replay checks read it). */
  orchestrationHandler(name: string, version: string): OrchestrationHandler | undefined {
    return this.#orchestrations.resolve(name, version);
  }

  /** @internal `name@version` of every orchestration registered by the user (not the built-ins), versions ascending. */
  registeredOrchestrations(): string[] {
    return this.#orchestrations
      .names()
      .filter((name) => !name.startsWith(SYSCALL_PREFIX))
      .flatMap((name) => this.#orchestrations.versions(name).map((version) => `${name}@${version}`));
  }

  /** In-process counters since start. */
  metricsSnapshot(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /**
   * A client on this runtime's provider. Its `start` / `waitFor` accept the orchestration
   * definitions registered with chained {@link Runtime.register} calls (any, when none were).
   */
  client(): Client<RegisteredOrchestrations<Known>> {
    this.#client ??= new Client(this.#provider);
    return this.#client as Client<RegisteredOrchestrations<Known>>;
  }

  async #guard(loop: Promise<void>): Promise<void> {
    try {
      await loop;
    } catch (err) {
      this.#logger.log('error', 'dispatcher loop crashed', { error: String(err) });
    }
  }

  /** Keeps this runtime's session leases alive and sweeps orphaned sessions. */
  async #maintainSessions(provider: Provider, worker: WorkerDispatcher, signal: AbortSignal): Promise<void> {
    const o = this.#options;
    const interval =
      o.sessionLockTimeoutMs >= 15_000
        ? Math.max(1000, o.sessionLockTimeoutMs - 5000)
        : Math.ceil(o.sessionLockTimeoutMs / 2);
    const owners = [...new Set(Array.from({ length: o.workerConcurrency }, (_, i) => worker.ownerId(i)))];
    let sinceCleanup = 0;
    while (!signal.aborted) {
      await sleep(interval, signal);
      if (signal.aborted) return;
      try {
        await provider.renewSessionLocks(owners, o.sessionLockTimeoutMs, o.sessionIdleTimeoutMs);
        sinceCleanup += interval;
        if (sinceCleanup >= SESSION_CLEANUP_INTERVAL_MS) {
          sinceCleanup = 0;
          await provider.cleanupOrphanedSessions();
        }
      } catch (err) {
        this.#logger.log('warn', 'renewing session leases failed', { error: String(err) });
      }
    }
  }
}
