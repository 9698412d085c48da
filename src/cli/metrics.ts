/**
 * `durox metrics`: store-wide counts and queue depths, once or watched.
 */
import type { Client } from '../engine/client.js';
import { SYSCALL_PREFIX } from '../engine/replay/tasks.js';
import { RUNNING_SCHEDULES, SCHEDULE_ORCHESTRATION } from '../engine/schedules/schedule-orchestration.js';
import type { UnrunnableOrchestration } from '../engine/workers.js';
import type { QueueDepths, SystemMetrics, WorkerRegistration } from '../core/provider.js';
import { formatDuration } from './durations.js';
import { sleep } from '../core/sleep.js';
import { keyValues, stdoutColors } from './output.js';

/** The `workers` section of a metrics sample (stores with a worker registry only). */
export interface WorkersSample {
  /** How many workers are registered and alive. */
  live: number;
  /**
   * Their registrations: id, orchestrations with versions (the user's: durox's built-in ones,
   * such as the schedule orchestration every runtime registers, are left out), activities,
   * epoch-ms times.
   */
  registrations: WorkerRegistration[];
  /**
   * Orchestrations of Pending and Running instances that no live worker knows, with instance
   * counts (queued activities are not checked).
   */
  unknownOrchestrations: UnrunnableOrchestration[];
  /** False when more non-terminal instances exist than were checked (counts are lower bounds). */
  complete: boolean;
}

/** `--json` document of `metrics` (one per line with `--watch`). */
export interface MetricsSample {
  /** ISO time of the reading. */
  at: string;
  system: SystemMetrics;
  queues: QueueDepths;
  /**
   * Schedule instances (`schedule:<id>`, durox's own orchestration): `total` of them, and how
   * many of the running instances are schedules.
   */
  schedules: { total: number; running: number };
  /** Absent when the store keeps no worker registry. */
  workers?: WorkersSample;
}

/** Reads one sample through the client. */
export async function readMetrics(client: Client): Promise<MetricsSample> {
  const [system, queues, unrunnable, schedules, runningSchedules] = await Promise.all([
    client.getSystemMetrics(),
    client.getQueueDepths(),
    client.getUnrunnableWork(),
    client.countInstances({ orchestrationName: SCHEDULE_ORCHESTRATION }),
    client.countInstances(RUNNING_SCHEDULES),
  ]);
  const sample: MetricsSample = {
    at: new Date().toISOString(),
    system,
    queues,
    schedules: { total: schedules, running: runningSchedules },
  };
  if (unrunnable) {
    sample.workers = {
      live: unrunnable.workers.length,
      registrations: unrunnable.workers.map(withoutBuiltins),
      unknownOrchestrations: unrunnable.orchestrations,
      complete: unrunnable.complete,
    };
  }
  return sample;
}

/** A registration without durox's built-in orchestrations (every runtime registers them). */
function withoutBuiltins(w: WorkerRegistration): WorkerRegistration {
  const orchestrations = Object.fromEntries(
    Object.entries(w.orchestrations).filter(([name]) => !name.startsWith(SYSCALL_PREFIX)),
  );
  return { ...w, orchestrations };
}

/**
 * `Hello@1.0.0` (or the bare name for instances started without a version); `schedules` for the
 * built-in schedule orchestration, which is no user code.
 */
function nameAt(name: string, version: string | null): string {
  if (name === SCHEDULE_ORCHESTRATION) return 'schedules';
  return version === null ? name : `${name}@${version}`;
}

/** `Helo (2 instances), Hello@9.9.9 (1 instance)`; `+` marks lower bounds. */
function unknownList(w: WorkersSample): string {
  return w.unknownOrchestrations
    .map(
      (o) =>
        `${nameAt(o.name, o.version)} (${o.instances}${w.complete ? '' : '+'} instance${o.instances === 1 ? '' : 's'})`,
    )
    .join(', ');
}

/** One worker's lines for the human output: id with expiry, then what it runs. */
function workerLines(w: WorkerRegistration, nowMs: number): [string, string][] {
  const orchestrations = Object.entries(w.orchestrations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, versions]) => `${name}@${versions.join('|')}`);
  const activities = [...w.activities].sort();
  return [
    [`  ${w.workerId}`, `expires in ${formatDuration(Math.max(0, w.expiresAt - nowMs))}`],
    ['    orchestrations', orchestrations.join(', ') || 'none'],
    ['    activities', activities.join(', ') || 'none'],
  ];
}

/** The text `durox metrics` prints for one sample. */
export function renderMetricsSample(s: MetricsSample): string {
  const c = stdoutColors();
  return keyValues(
    [
      ['instances', `${s.system.totalInstances} total`],
      [
        '  running',
        `${c.cyan(String(s.system.runningInstances))}${s.schedules.running > 0 ? c.dim(` (${s.schedules.running} of them schedules)`) : ''}`,
      ],
      ['  completed', c.green(String(s.system.completedInstances))],
      ['  failed', s.system.failedInstances ? c.red(String(s.system.failedInstances)) : '0'],
      ['schedules', String(s.schedules.total)],
      ['executions', String(s.system.totalExecutions)],
      ['events', String(s.system.totalEvents)],
      ['orchestrator queue', String(s.queues.orchestratorQueue)],
      ['worker queue', String(s.queues.workerQueue)],
      ['timer queue', String(s.queues.timerQueue)],
      ...workerPairs(s, c),
    ],
    c,
  );
}

function workerPairs(s: MetricsSample, c: ReturnType<typeof stdoutColors>): [string, string][] {
  const w = s.workers;
  if (!w) return [];
  const now = Date.parse(s.at);
  const pairs: [string, string][] = [['workers', `${w.live} live`]];
  for (const reg of [...w.registrations].sort((a, b) => a.workerId.localeCompare(b.workerId))) {
    pairs.push(...workerLines(reg, now));
  }
  if (w.unknownOrchestrations.length > 0) {
    pairs.push(['no running worker knows', c.yellow(unknownList(w))]);
  }
  return pairs;
}

function oneLine(s: MetricsSample): string {
  const m = s.system;
  const q = s.queues;
  return `${s.at} instances=${m.totalInstances} running=${m.runningInstances} completed=${m.completedInstances} failed=${m.failedInstances} schedules=${s.schedules.total} executions=${m.totalExecutions} events=${m.totalEvents} orchestrator_queue=${q.orchestratorQueue} worker_queue=${q.workerQueue} timer_queue=${q.timerQueue}${workersWords(s.workers)}`;
}

function workersWords(w: WorkersSample | undefined): string {
  if (!w) return '';
  const unknown = w.unknownOrchestrations.map((o) => `${nameAt(o.name, o.version)}:${o.instances}`);
  return ` workers=${w.live}${unknown.length > 0 ? ` unknown_orchestrations=${unknown.join(',')}` : ''}`;
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
