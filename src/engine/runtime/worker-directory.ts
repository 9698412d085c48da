/**
 * This runtime's entry in the store's worker registry, and its view of the other entries: it
 * announces what it can run (with a heartbeat) and works out which names other running workers
 * run and it does not, so its dispatchers skip their work instead of spending its attempts.
 */
import type { Logger } from '../logger.js';
import type { Provider, WorkerRegistration, WorkerRegistrationInput } from '../../core/provider.js';
import { runsActivity, runsOrchestration } from '../workers.js';
import { sleep } from '../../core/sleep.js';

/** A registration lapses this long after its last heartbeat (a crashed process). */
export const WORKER_TTL_MS = 30_000;
/** Heartbeat (and refresh of the others' registrations) interval. */
const HEARTBEAT_MS = 10_000;

export class WorkerDirectory {
  /** Live registrations of the other workers, as of the last read. */
  private others: WorkerRegistration[] = [];
  private skipOrchestrations: string[] = [];
  private skipActivities: string[] = [];

  constructor(
    private readonly provider: Provider,
    private readonly describe: () => WorkerRegistrationInput,
    private readonly logger: Logger,
  ) {}

  /** Whether the provider keeps a registry at all (else nothing is skipped). */
  get supported(): boolean {
    return (
      typeof this.provider.registerWorker === 'function' && typeof this.provider.listWorkers === 'function'
    );
  }

  /** Orchestration names to pass as the fetch skip list (empty: skip nothing). */
  get orchestrationSkips(): readonly string[] {
    return this.skipOrchestrations;
  }

  /** Activity names to pass as the fetch skip list (empty: skip nothing). */
  get activitySkips(): readonly string[] {
    return this.skipActivities;
  }

  /** Registers, then heart-beats until `signal` aborts; unregisters on the way out. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.supported) return;
    while (!signal.aborted) {
      await this.heartbeat();
      await sleep(HEARTBEAT_MS, signal);
    }
    await this.provider.unregisterWorker?.(this.describe().workerId).catch(() => undefined);
  }

  /** Registers (or refreshes) this runtime and re-reads the others. Errors are logged. */
  async heartbeat(): Promise<void> {
    try {
      await this.provider.registerWorker?.(this.describe(), WORKER_TTL_MS);
      await this.refresh();
    } catch (err) {
      this.logger.log('warn', 'updating the worker registry failed', { error: String(err) });
    }
  }

  /**
   * Whether another running worker runs this orchestration (at `version`, when given). A "no"
   * from the cached view is checked against the registry: the other worker may have started
   * since (unregistered work is rare and rate-limited by its backoff, so this costs little).
   */
  async orchestrationRunsElsewhere(name: string, version: string | null): Promise<boolean> {
    if (runsOrchestration(this.others, name, version)) return true;
    await this.tryRefresh();
    return runsOrchestration(this.others, name, version);
  }

  /** Whether another running worker runs this activity (see `orchestrationRunsElsewhere`). */
  async activityRunsElsewhere(name: string): Promise<boolean> {
    if (runsActivity(this.others, name)) return true;
    await this.tryRefresh();
    return runsActivity(this.others, name);
  }

  private async tryRefresh(): Promise<void> {
    if (!this.supported) return;
    try {
      await this.refresh();
    } catch (err) {
      this.logger.log('warn', 'reading the worker registry failed', { error: String(err) });
    }
  }

  private async refresh(): Promise<void> {
    const all = (await this.provider.listWorkers?.()) ?? [];
    const self = this.describe();
    this.others = all.filter((w) => w.workerId !== self.workerId);
    const ownOrchestrations = new Set(Object.keys(self.orchestrations));
    const ownActivities = new Set(self.activities);
    this.skipOrchestrations = [...new Set(this.others.flatMap((w) => Object.keys(w.orchestrations)))]
      .filter((name) => !ownOrchestrations.has(name))
      .sort();
    this.skipActivities = [...new Set(this.others.flatMap((w) => w.activities))]
      .filter((name) => !ownActivities.has(name))
      .sort();
  }
}
