/**
 * `TestEnvironment`: durox in-process on virtual time. A store (SQLite in memory unless told
 * otherwise) and a started runtime share a `VirtualClock`; durable timers, retry backoff,
 * `ctx.utcNow()` and the times history records follow it, while activities run for real. Time
 * moves only when the test lets it: automatically while it waits for an outcome through
 * `env.client` and nothing but timers remain, or by hand with `sleep` / `advanceTo`.
 */
import { Client, InvalidInputError, Runtime, SqliteProvider } from '../index.js';
import type {
  Clock,
  OrchestrationStatus,
  Provider,
  RuntimeOptions,
  StoreActivity,
  WaitOptions,
} from '../index.js';
import { toEpochMs, toMilliseconds } from './duration.js';
import type { Duration, TimePoint } from './duration.js';
import { TimeKeeper } from './time-keeper.js';
import { VirtualClock } from './virtual-clock.js';

/** An activity implementation, as `runtime.registerActivity` takes it. */
export type ActivityImplementation = Parameters<Runtime['registerActivity']>[1];

/** Options of {@link TestEnvironment.create}. */
export interface TestEnvironmentOptions {
  /** Registers the code under test on the environment's runtime (before it starts). */
  register?: (runtime: Runtime) => void | Promise<void>;
  /** Where virtual time starts (default: the wall-clock time of `create`). */
  startTime?: TimePoint;
  /**
   * Opens the store on the environment's clock, e.g.
   * `({ clock }) => PostgresProvider.connectWithSchema(url, schema, { clock })` (default: SQLite
   * in memory). The provider must implement `getStoreActivity`; the environment closes it.
   */
  provider?: (options: { clock: Clock }) => Promise<Provider>;
  /** Skip time automatically while the test waits through `env.client` (default true). */
  autoSkip?: boolean;
  /** Runtime options (the environment sets `clock`; quick polling and quiet logs by default). */
  runtimeOptions?: Omit<RuntimeOptions, 'clock'>;
  /** How long (wall time) work may take to settle before a time move fails. Default 30 s. */
  settleTimeoutMs?: number;
}

/** When a scheduled test action happens: `{ at: time }` or `{ after: duration }` from now. */
export type ActionTime = { at: TimePoint } | { after: Duration };

/**
 * A `Client` whose waits let virtual time skip ahead while only timers remain (the other waits,
 * such as `waitForOrchestrationTyped`, go through these).
 */
class TimeSkippingClient extends Client {
  constructor(
    provider: Provider,
    private readonly keeper: TimeKeeper,
  ) {
    super(provider);
  }

  override waitForOrchestration(
    instanceId: string,
    timeoutMs?: number,
    options?: WaitOptions,
  ): Promise<OrchestrationStatus> {
    return this.keeper.whileWaiting(
      () => super.waitForOrchestration(instanceId, timeoutMs, options),
      async () => isEnded(await this.getStatus(instanceId)),
    );
  }

  override waitForStatusChange(
    instanceId: string,
    lastSeenVersion: number,
    pollIntervalMs?: number,
    timeoutMs?: number,
    options?: WaitOptions,
  ): Promise<OrchestrationStatus> {
    return this.keeper.whileWaiting(
      () => super.waitForStatusChange(instanceId, lastSeenVersion, pollIntervalMs, timeoutMs, options),
      async () => {
        const status = await this.getStatus(instanceId);
        return status.customStatusVersion > lastSeenVersion || isEnded(status);
      },
    );
  }

  override waitForValue(
    instanceId: string,
    key: string,
    timeoutMs?: number,
    options?: WaitOptions,
  ): Promise<string> {
    return this.keeper.whileWaiting(
      () => super.waitForValue(instanceId, key, timeoutMs, options),
      async () => (await this.getValue(instanceId, key)) !== null,
    );
  }
}

/** Whether a wait for the instance's end would return now. */
function isEnded(status: OrchestrationStatus): boolean {
  return status.status === 'Completed' || status.status === 'Failed';
}

function hasStoreActivity(
  provider: Provider,
): provider is Provider & { getStoreActivity(): Promise<StoreActivity> } {
  return typeof provider.getStoreActivity === 'function';
}

/** durox on virtual time, for tests. Create with {@link TestEnvironment.create}. */
export class TestEnvironment {
  /** A client of the environment's store; its waits skip time (see `autoSkip`). */
  readonly client: Client;
  /** The started runtime running the registered code. */
  readonly runtime: Runtime;
  readonly #clock: VirtualClock;
  readonly #keeper: TimeKeeper;
  readonly #provider: Provider;
  #closed = false;

  private constructor(provider: Provider, runtime: Runtime, clock: VirtualClock, keeper: TimeKeeper) {
    this.#provider = provider;
    this.runtime = runtime;
    this.#clock = clock;
    this.#keeper = keeper;
    this.client = new TimeSkippingClient(provider, keeper);
  }

  /** Opens the store, registers the code under test and starts the runtime. */
  static async create(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
    const clock = new VirtualClock(
      options.startTime === undefined ? Date.now() : toEpochMs(options.startTime),
    );
    const provider = await (options.provider ?? (({ clock: c }) => SqliteProvider.inMemory({ clock: c })))({
      clock,
    });
    if (!hasStoreActivity(provider)) {
      await provider.close();
      throw new InvalidInputError(
        'the provider does not implement getStoreActivity(), which virtual time needs to tell when the system is idle',
      );
    }
    const runtime = new Runtime(provider, {
      dispatcherPollIntervalMs: 20,
      logLevel: 'error',
      ...options.runtimeOptions,
      clock,
    });
    try {
      await options.register?.(runtime);
      await runtime.start();
    } catch (err) {
      await runtime.shutdown(0).catch(() => undefined);
      await provider.close();
      throw err;
    }
    const keeper = new TimeKeeper(
      provider,
      clock,
      options.autoSkip ?? true,
      options.settleTimeoutMs ?? 30_000,
    );
    return new TestEnvironment(provider, runtime, clock, keeper);
  }

  /** The virtual time (epoch ms). */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Moves virtual time forward by `duration` (`'3d'`, `'90m'`, ms), firing every timer due on
   * the way in order and letting the work each one triggers settle; resolves when the target
   * time is reached and nothing is in progress.
   */
  async sleep(duration: Duration): Promise<void> {
    return this.#keeper.advanceTo(this.now() + toMilliseconds(duration));
  }

  /** Like {@link sleep}, to a point in time (a time in the past changes nothing). */
  async advanceTo(time: TimePoint): Promise<void> {
    return this.#keeper.advanceTo(toEpochMs(time));
  }

  /**
   * Replaces an activity (by name, or anything with a `name` such as an activity definition)
   * for this environment only.
   */
  mockActivity(activity: string | { readonly name: string }, implementation: ActivityImplementation): void {
    this.runtime.registerActivity(typeof activity === 'string' ? activity : activity.name, implementation);
  }

  /**
   * Raises an external event now, or when virtual time reaches `when` (a failure then fails
   * whatever moved time there).
   */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown, when?: ActionTime): Promise<void> {
    return this.#keeper.schedule(this.#timeOf(when), () =>
      this.client.raiseEvent(instanceId, eventName, data),
    );
  }

  /** Enqueues a message on an instance's queue now, or when virtual time reaches `when`. */
  async enqueueEvent(
    instanceId: string,
    queueName: string,
    data?: unknown,
    when?: ActionTime,
  ): Promise<void> {
    return this.#keeper.schedule(this.#timeOf(when), () =>
      this.client.enqueueEvent(instanceId, queueName, data),
    );
  }

  /** Stops the runtime and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#keeper.close();
    await this.runtime.shutdown(1000);
    await this.#provider.close();
  }

  #timeOf(when: ActionTime | undefined): number {
    if (when === undefined) return this.now();
    return 'at' in when ? toEpochMs(when.at) : this.now() + toMilliseconds(when.after);
  }
}
