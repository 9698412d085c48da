/**
 * Waiting for an orchestration to end, with a one-line progress display on a terminal, and the
 * result shape `orchestration start --wait` and `orchestration wait` return.
 */
import type { Client, OrchestrationStatus } from '../engine/client.js';
import type { ErrorDetails } from '../engine/failure.js';
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

/**
 * Waits until the instance is Completed or Failed (TimeoutError after `timeoutMs`). With
 * `progress`, redraws one status line on stderr while waiting.
 */
export async function waitForOutcome(
  client: Client,
  instanceId: string,
  timeoutMs: number,
  progress: boolean,
): Promise<OrchestrationOutcome> {
  const started = Date.now();
  let stop = (): void => undefined;
  if (progress) stop = showProgress(client, instanceId, started);
  let status: OrchestrationStatus;
  try {
    status = await client.waitForOrchestration(instanceId, timeoutMs);
  } finally {
    stop();
  }
  const info = await client.provider.getInstanceInfo(instanceId);
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
    client
      .getStatus(instanceId)
      .then((s) => {
        state = s.status === 'NotFound' ? 'Pending' : s.status;
        custom = s.customStatus === undefined ? '' : compact(s.customStatus, 40).replace(/^"|"$/g, '');
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
