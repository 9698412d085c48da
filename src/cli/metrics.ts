/**
 * `durox metrics`: store-wide counts and queue depths, once or watched.
 */
import type { Client } from '../engine/client.js';
import type { QueueDepths, SystemMetrics } from '../core/provider.js';
import { sleep } from '../core/sleep.js';
import { keyValues, stdoutColors } from './output.js';

/** `--json` document of `metrics` (one per line with `--watch`). */
export interface MetricsSample {
  /** ISO time of the reading. */
  at: string;
  system: SystemMetrics;
  queues: QueueDepths;
}

export async function readMetrics(client: Client): Promise<MetricsSample> {
  const [system, queues] = await Promise.all([client.getSystemMetrics(), client.getQueueDepths()]);
  return { at: new Date().toISOString(), system, queues };
}

export function renderMetricsSample(s: MetricsSample): string {
  const c = stdoutColors();
  return keyValues(
    [
      ['instances', `${s.system.totalInstances} total`],
      ['  running', c.cyan(String(s.system.runningInstances))],
      ['  completed', c.green(String(s.system.completedInstances))],
      ['  failed', s.system.failedInstances ? c.red(String(s.system.failedInstances)) : '0'],
      ['executions', String(s.system.totalExecutions)],
      ['events', String(s.system.totalEvents)],
      ['orchestrator queue', String(s.queues.orchestratorQueue)],
      ['worker queue', String(s.queues.workerQueue)],
      ['timer queue', String(s.queues.timerQueue)],
    ],
    c,
  );
}

function oneLine(s: MetricsSample): string {
  const m = s.system;
  const q = s.queues;
  return `${s.at} instances=${m.totalInstances} running=${m.runningInstances} completed=${m.completedInstances} failed=${m.failedInstances} executions=${m.totalExecutions} events=${m.totalEvents} orchestrator_queue=${q.orchestratorQueue} worker_queue=${q.workerQueue} timer_queue=${q.timerQueue}`;
}

export interface WatchOptions {
  intervalMs: number;
  /** Stop after this many ticks (default: until SIGINT/SIGTERM). */
  count?: number;
  /** `redraw` on a terminal, `lines` when piped, `jsonl` with --json. */
  mode: 'redraw' | 'lines' | 'jsonl';
}

/** Prints a sample every interval until `count` ticks or a signal. */
export async function watchMetrics(client: Client, options: WatchOptions): Promise<void> {
  let stop = false;
  const stopped = new AbortController();
  const onSignal = (): void => {
    stop = true;
    stopped.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (let tick = 1; !stop; tick++) {
      const sample = await readMetrics(client);
      if (options.mode === 'jsonl') process.stdout.write(`${JSON.stringify(sample)}\n`);
      else if (options.mode === 'lines') process.stdout.write(`${oneLine(sample)}\n`);
      else {
        const c = stdoutColors();
        process.stdout.write(
          `\u001b[H\u001b[2J${c.bold('durox metrics')} ${c.dim(`${sample.at} · every ${options.intervalMs} ms · Ctrl+C to stop`)}\n\n${renderMetricsSample(sample)}\n`,
        );
      }
      if (options.count !== undefined && tick >= options.count) break;
      await sleep(options.intervalMs, stopped.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
