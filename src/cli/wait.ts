/**
 * Waiting for an orchestration to end, with a one-line progress display on a terminal, and the
 * result shape `orchestration start --wait` and `orchestration wait` return.
 */
import type { Client, OrchestrationStatus } from '../engine/client.js';
import { isDuroxError } from '../core/errors.js';
import type { ErrorDetails } from '../core/failure.js';
import { unknownOrchestrationReason } from '../engine/workers.js';
import { CliError } from './errors.js';
import { formatDuration } from './durations.js';
import { compact, stderrColors } from './output.js';

/** The outcome of an orchestration, as `start --wait` and `wait` report it. */
export interface OrchestrationOutcome {
  instanceId: string;
  orchestrationName: string | null;
  orchestrationVersion: string | null;
  status: 'Completed' | 'Failed';
  output?: unknown;
  /** One-line failure (Failed). */
  error?: string;
  failureDetails?: ErrorDetails;
  customStatus?: string;
  /** How long this command waited. */
  waitedMs: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** How often a wait re-checks that some running worker knows the orchestration. */
const WORKER_CHECK_MS = 2000;

/**
 * Why no running worker will run orchestration `name` (at `version`, when given), from the
 * store's worker registry; `null` when one will, or when the store keeps no registry.
 */
export async function unknownOrchestration(
  client: Client,
  name: string,
  version: string | null,
): Promise<string | null> {
  const workers = await client.listWorkers();
  if (workers === null) return null;
  return unknownOrchestrationReason(workers, name, version);
}

/** What a wait checks the running workers against, and how it reports a mismatch early. */
export interface WaitCheck {
  name: string;
  version: string | null;
  /** Called once, as soon as no running worker knows the orchestration. */
  warn(reason: string): void;
}

/**
 * Waits until the instance is Completed or Failed (TimeoutError after `timeoutMs`). With
 * `progress`, redraws one status line on stderr while waiting. With `check`, warns early when
 * no running worker knows the orchestration, and a timeout names that as the likely cause.
 */
export async function waitForOutcome(
  client: Client,
  instanceId: string,
  timeoutMs: number,
  progress: boolean,
  check?: WaitCheck,
): Promise<OrchestrationOutcome> {
  const started = Date.now();
  let stop = (): void => undefined;
  if (progress) stop = showProgress(client, instanceId, started);
  const stopChecking = check === undefined ? () => undefined : watchWorkers(client, check, () => stop());
  let status: OrchestrationStatus;
  try {
    status = await client.waitForOrchestration(instanceId, timeoutMs);
  } catch (err) {
    const reason =
      check && isDuroxError(err, 'TIMEOUT')
        ? await unknownOrchestration(client, check.name, check.version).catch(() => null)
        : null;
    if (reason === null) throw err;
    throw new CliError('TIMEOUT', (err as Error).message, {
      hint: `${reason}: start a worker whose module registers it, or check the name and --version`,
    });
  } finally {
    stopChecking();
    stop();
  }
  const info = await client.findInstance(instanceId);
  const outcome: OrchestrationOutcome = {
    instanceId,
    orchestrationName: info?.orchestrationName ?? null,
    orchestrationVersion: info?.orchestrationVersion ?? null,
    status: status.status as 'Completed' | 'Failed',
    waitedMs: Date.now() - started,
  };
  if (status.status === 'Completed') outcome.output = status.output ?? null;
  if (status.error !== undefined) outcome.error = status.error;
  if (status.failureDetails !== undefined) outcome.failureDetails = status.failureDetails;
  if (status.customStatus !== undefined) outcome.customStatus = status.customStatus;
  return outcome;
}

/** Checks the worker registry now and every few seconds until it warned once; returns a stopper. */
function watchWorkers(client: Client, check: WaitCheck, eraseProgress: () => void): () => void {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    const reason = await unknownOrchestration(client, check.name, check.version).catch(() => null);
    if (done) return;
    if (reason !== null) {
      done = true;
      eraseProgress();
      check.warn(reason);
      return;
    }
    timer = setTimeout(() => void tick(), WORKER_CHECK_MS);
    timer.unref();
  };
  void tick();
  return () => {
    done = true;
    if (timer) clearTimeout(timer);
  };
}

/** Starts the spinner line; returns a function that erases it. */
function showProgress(client: Client, instanceId: string, started: number): () => void {
  const c = stderrColors();
  let frame = 0;
  let state = 'Pending';
  let custom = '';
  let polling = false;
  const draw = (): void => {
    const parts = [
      `${c.cyan(FRAMES[frame++ % FRAMES.length]!)} waiting for ${c.bold(instanceId)}`,
      state,
      custom ? `"${custom}"` : '',
      formatDuration(Date.now() - started),
    ].filter((p) => p !== '');
    process.stderr.write(`\r\u001b[2K${parts.join(c.dim(' · '))}`);
  };
  const timer = setInterval(() => {
    draw();
    if (polling) return;
    polling = true;
    // The stored row only: the spinner needs no history (getStatus would read it for waitingOn).
    client
      .findInstance(instanceId)
      .then((s) => {
        state = s === null ? 'Pending' : s.status === 'ContinuedAsNew' ? 'Running' : s.status;
        custom = s?.customStatus == null ? '' : compact(s.customStatus, 40).replace(/^"|"$/g, '');
      })
      .catch(() => undefined)
      .finally(() => (polling = false));
  }, 120);
  draw();
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\u001b[2K');
  };
}
