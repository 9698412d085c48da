/**
 * `durox worker run`: hosts the user's orchestrations and activities until SIGINT/SIGTERM, then
 * drains (in-flight activities finish within the drain timeout or are given back to the store
 * for another worker). Shows a one-line live status on a terminal, log lines otherwise.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import type { MetricsSnapshot } from '../engine/metrics.js';
import { Runtime } from '../engine/runtime/runtime.js';
import type { RuntimeOptions } from '../engine/runtime/runtime-options.js';
import type { Provider, QueueDepths, RecommendedRuntimeOptions } from '../core/provider.js';
import { formatDuration } from './durations.js';
import { CliError, messageOf } from './errors.js';
import { validate } from './input.js';
import { formatLogRecord } from '../engine/logger.js';
import type { LogFormat, LogLevel } from '../engine/logger.js';
import { createPrometheusMetrics } from '../engine/prometheus-metrics.js';
import type { ActivityStartEvent, RuntimeObservers } from '../engine/runtime/observers.js';
import { startMetricsServer } from './metrics-server.js';
import type { OtelExport } from './otel.js';
import { stderrColors } from './output.js';
import { describeOrchestrations, loadModules } from './user-module.js';

/** Worker flags after parsing (durations in ms). */
export interface WorkerFlags {
  module: string[];
  /** Unset: the store's recommendation. */
  'orchestration-concurrency'?: number | undefined;
  /** Unset: the store's recommendation. */
  'worker-concurrency'?: number | undefined;
  tags?: string | undefined;
  'tag-mode'?: string | undefined;
  'worker-node-id'?: string | undefined;
  'worker-lock-timeout': number;
  'orchestrator-lock-timeout': number;
  'drain-timeout': number;
  'max-attempts': number;
  'poll-interval': number;
  'metrics-port'?: number | undefined;
  'log-level': string;
  /** `compact` (default), `pretty` or `json` (default compact when absent). */
  'log-format'?: string | undefined;
  determinism: string;
  'status-interval': number;
  /** OTLP/HTTP base URL for traces (`OTEL_EXPORTER_OTLP_*` variables otherwise). */
  'otlp-endpoint'?: string | undefined;
}

type TagMode = 'default-only' | 'default-and' | 'only' | 'any' | 'none';

const tagsSchema = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()))
  .pipe(
    z
      .array(z.string().min(1, 'empty tag name').max(256, 'tag names are at most 256 bytes'))
      .min(1)
      .max(5, 'at most 5 tags')
      .refine((tags) => new Set(tags).size === tags.length, 'tags must be distinct'),
  );

/** Maps the tag flags to the runtime's `workerTagFilter`. */
export function tagFilter(
  tags: string | undefined,
  mode: string | undefined,
): RuntimeOptions['workerTagFilter'] {
  const list = tags === undefined ? undefined : validate(tagsSchema, tags, '--tags');
  const chosen = (mode ?? (list ? 'default-and' : 'default-only')) as TagMode;
  const needsTags = chosen === 'default-and' || chosen === 'only';
  if (needsTags && !list) throw new CliError('USAGE', `--tag-mode ${chosen} needs --tags`);
  if (!needsTags && list) throw new CliError('USAGE', `--tag-mode ${chosen} takes no --tags`);
  switch (chosen) {
    case 'default-and':
      return { defaultAnd: list! };
    case 'only':
      return { tags: list! };
    case 'any':
      return 'any';
    case 'none':
      return 'none';
    default:
      return 'defaultOnly';
  }
}

/** The `--log-format` of the flags. */
export function logFormatOf(flags: Pick<WorkerFlags, 'log-format'>): LogFormat {
  const format = flags['log-format'];
  return format === 'json' || format === 'pretty' ? format : 'compact';
}

/**
 * One line of the worker's own output on stderr (start, status, drain, warnings): the text as
 * it is, or with `--log-format json` a JSON record like the runtime's logs (target `worker`).
 */
export function workerLine(
  format: LogFormat,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> = {},
): string {
  if (format !== 'json') return message;
  return formatLogRecord({ time: new Date(), level, target: 'worker', message, fields }, format);
}

/**
 * A provider that forwards to `store()`, looked up at each access: the runtime is built (and
 * user modules loaded) before the store is opened. The Runtime's constructor asks for
 * `recommendedRuntimeOptions` before that: it gets `recommended`, what the store's kind
 * recommends (src/cli/store.ts), so flags left unset get the provider's values.
 */
function lateProvider(
  store: () => Provider,
  opened: () => boolean,
  recommended: RecommendedRuntimeOptions | undefined,
): Provider {
  return new Proxy({} as Provider, {
    get(_, prop) {
      if (prop === 'recommendedRuntimeOptions' && !opened()) {
        return recommended === undefined ? undefined : () => ({ ...recommended });
      }
      const target = store();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    has(_, prop) {
      return Reflect.has(store(), prop);
    },
  });
}

/** The runtime options the flags ask for. */
export function runtimeOptions(flags: WorkerFlags): RuntimeOptions {
  const orchestrations = flags['orchestration-concurrency'];
  const activities = flags['worker-concurrency'];
  return {
    // Left out when unset: the store's recommendation applies.
    ...(orchestrations === undefined ? {} : { orchestrationConcurrency: orchestrations }),
    ...(activities === undefined ? {} : { workerConcurrency: activities }),
    workerLockTimeoutMs: flags['worker-lock-timeout'],
    orchestratorLockTimeoutMs: flags['orchestrator-lock-timeout'],
    maxAttempts: flags['max-attempts'],
    dispatcherPollIntervalMs: Math.max(1, flags['poll-interval']),
    logLevel: flags['log-level'] as RuntimeOptions['logLevel'],
    logFormat: logFormatOf(flags),
    determinism: flags.determinism as NonNullable<RuntimeOptions['determinism']>,
    workerTagFilter: tagFilter(flags.tags, flags['tag-mode']),
    ...(flags['worker-node-id'] === undefined ? {} : { workerNodeId: flags['worker-node-id'] }),
  };
}

/** `--json` document of `worker run` (printed when the worker stops). */
export interface WorkerRunResult {
  stoppedBy: 'SIGINT' | 'SIGTERM';
  uptimeMs: number;
  /** How long the drain took. */
  drainMs: number;
  /** Activities still running when the drain timeout ran out, given back to the store. */
  activitiesReleased: number;
  orchestrations: string[];
  activities: string[];
  metricsPort: number | null;
  metrics: MetricsSnapshot;
}

export interface WorkerIo {
  /** Live one-line status (terminal) instead of periodic log lines. */
  live: boolean;
  /** Print notes (off with --json... except the start line, which always goes to stderr). */
  log: (line: string) => void;
  /** Built-in registrations besides the modules (e.g. toygres). */
  extensions?: WorkerExtension[];
  /** The error when neither the modules nor an extension register anything (default: MODULE). */
  nothingToRun?: () => CliError;
  /** Called with the extensions registered, once the store is open and before the runtime starts. */
  onRegistered?: (extensions: readonly WorkerExtension[]) => void;
  /** Called with the runtime just before it starts (e.g. to attach metrics observers). */
  onRuntime?: (runtime: Runtime) => void;
  /** What the store recommends for options the flags leave unset (`recommendedOptionsOf`). */
  recommended?: RecommendedRuntimeOptions;
}

/** Something the worker hosts besides the user's modules (e.g. toygres). */
export interface WorkerExtension {
  /**
   * When present, asked once the store is open: the extension is registered only if it says yes
   * (toygres without `--toygres`: only on a store that already holds toygres instances).
   */
  wanted?(store: Provider): Promise<boolean>;
  /** Registers on the runtime (before it starts); returns what it registered. */
  register(runtime: Runtime): { orchestrations: string[]; activities: string[] };
  /** After the drain. */
  stop?(): Promise<void>;
}

/** Activities whose code ran (config errors are unregistered activities given back: not runs). */
function activitiesRun(m: MetricsSnapshot): number {
  return m.activitySuccess + m.activityAppErrors + m.activityInfraErrors;
}

function statusText(m: MetricsSnapshot, rate: number, depths: QueueDepths | null, upMs: number): string {
  const done = m.orchCompletions + m.orchFailures;
  const activities = activitiesRun(m);
  const queues = depths
    ? ` · queues orch ${depths.orchestratorQueue} work ${depths.workerQueue} timers ${depths.timerQueue}`
    : '';
  return `${done} orchestrations done${m.orchFailures ? ` (${m.orchFailures} failed)` : ''} · ${activities} activities · ${rate.toFixed(1)} activities/s${queues} · up ${formatDuration(upMs)}`;
}

/** Runs a worker until a signal; resolves after the drain. */
export async function runWorker(
  openStore: () => Promise<Provider>,
  storeLabel: string,
  flags: WorkerFlags,
  io: WorkerIo,
): Promise<WorkerRunResult> {
  // Flags and modules are checked before the store is opened (a bad module writes nothing).
  const options = runtimeOptions(flags);
  // The OpenTelemetry SDK is loaded only when traces are exported.
  const otelSetup =
    flags['otlp-endpoint'] !== undefined ||
    Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
      ? await import('./otel.js')
      : null;
  if (flags['otlp-endpoint'] !== undefined) otelSetup?.tracesUrl(flags['otlp-endpoint']);
  const format = logFormatOf(flags);
  const note = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    process.stderr.write(`${workerLine(format, level, message, fields)}\n`);
  };
  let opened: Provider | null = null;
  const storeNow = (): Provider => {
    if (!opened) throw new CliError('MODULE', 'a module used the store while it was being loaded');
    return opened;
  };
  // Activities in flight (for the drain message) and given back at shutdown.
  const running = new Set<string>();
  let released = 0;
  const key = (e: ActivityStartEvent): string => `${e.instanceId}\u0000${e.executionId}\u0000${e.activityId}`;
  const drainObserver: RuntimeObservers = {
    activityStart: (event) => running.add(key(event)),
    activityEnd: (event) => {
      running.delete(key(event));
      if (event.outcome === 'abandoned') released += 1;
    },
  };
  const runtime = new Runtime(
    lateProvider(storeNow, () => opened !== null, io.recommended),
    { ...options, observers: drainObserver },
  );
  const registrations = await loadModules(flags.module, runtime);
  const orchestrations = describeOrchestrations(registrations);
  const activities = [...registrations.activities.keys()];
  const extensions: WorkerExtension[] = [];
  const register = (extension: WorkerExtension): void => {
    const added = extension.register(runtime);
    orchestrations.push(...added.orchestrations);
    activities.push(...added.activities);
    extensions.push(extension);
  };
  const conditional = (io.extensions ?? []).filter((e) => e.wanted !== undefined);
  for (const extension of io.extensions ?? []) if (extension.wanted === undefined) register(extension);
  const nothingRegistered = (): boolean => orchestrations.length === 0 && activities.length === 0;
  const nothingToRun = (): CliError =>
    io.nothingToRun?.() ?? new CliError('MODULE', 'the modules register no orchestration and no activity');
  // Checked before the store is opened when no extension could still add something.
  if (nothingRegistered() && conditional.length === 0) throw nothingToRun();
  const store = await openStore();
  opened = store;
  for (const extension of conditional) if (await extension.wanted!(store)) register(extension);
  if (nothingRegistered()) throw nothingToRun();
  io.onRegistered?.(extensions);

  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  if (flags['metrics-port'] !== undefined) {
    try {
      metricsServer = await startMetricsServer(flags['metrics-port'], createPrometheusMetrics(runtime));
    } catch (err) {
      throw new CliError('USAGE', `--metrics-port ${flags['metrics-port']}: ${messageOf(err)}`);
    }
  }

  const c = stderrColors();
  const started = Date.now();
  let signalled: 'SIGINT' | 'SIGTERM' | null = null;
  const stopped = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      if (signalled) {
        if (format !== 'json') process.stderr.write('\n');
        note('warn', `${signal} again: exiting without draining`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      signalled = signal;
      resolve(signal);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });

  const otel: OtelExport | null =
    otelSetup?.startOtelExport(
      flags['otlp-endpoint'],
      flags['worker-node-id'] ?? `${hostname()}:${process.pid}`,
    ) ?? null;
  io.onRuntime?.(runtime);
  await runtime.start();
  note(
    'info',
    `durox worker started (pid ${process.pid}) on ${storeLabel}: ${orchestrations.length} orchestration(s) [${orchestrations.join(', ')}], ${activities.length} activit${activities.length === 1 ? 'y' : 'ies'}${metricsServer ? `; metrics on http://127.0.0.1:${metricsServer.port}/metrics` : ''}${otel ? `; traces to ${otel.target}` : ''}`,
  );

  // Status: a redrawn line on a terminal, a log line per interval otherwise (when anything changed).
  const samples: { at: number; activities: number }[] = [];
  let depths: QueueDepths | null = null;
  let lastLogged = '';
  let ticks = 0;
  const tick = (): void => {
    const m = runtime.metricsSnapshot();
    const now = Date.now();
    const total = activitiesRun(m);
    samples.push({ at: now, activities: total });
    while (samples.length > 2 && now - samples[0]!.at > 5000) samples.shift();
    const first = samples[0]!;
    const rate = now > first.at ? ((total - first.activities) * 1000) / (now - first.at) : 0;
    if (io.live) {
      if (ticks++ % 2 === 0) {
        store.getQueueDepths().then(
          (d) => (depths = d),
          () => undefined,
        );
      }
      process.stderr.write(
        `\r\u001b[2K${c.green('●')} ${c.bold('durox worker')} · ${statusText(m, rate, depths, now - started)}`,
      );
    } else {
      const text = statusText(m, rate, null, now - started);
      const changed = text.replace(/ · up .*$/, '');
      if (changed !== lastLogged) io.log(workerLine(format, 'info', `durox worker: ${text}`));
      lastLogged = changed;
    }
  };
  const interval = io.live ? 1000 : flags['status-interval'];
  const timer = interval > 0 ? setInterval(tick, interval) : null;

  const signal = await stopped;
  if (timer) clearInterval(timer);
  if (io.live) process.stderr.write('\r\u001b[2K');
  const inFlight = running.size;
  note(
    'info',
    `${signal}: stopping; draining ${inFlight} activit${inFlight === 1 ? 'y' : 'ies'} in flight (up to ${formatDuration(flags['drain-timeout'])})`,
  );
  const drainStart = Date.now();
  await runtime.shutdown(flags['drain-timeout']);
  for (const extension of extensions) await extension.stop?.().catch(() => undefined);
  const drainMs = Date.now() - drainStart;
  await metricsServer?.close();
  // Spans still buffered are sent before the process exits.
  await otel?.shutdown().catch((err: unknown) => note('warn', `flushing traces failed: ${messageOf(err)}`));
  note(
    'info',
    `durox worker stopped after ${formatDuration(drainMs)}${released ? `; ${released} activit${released === 1 ? 'y' : 'ies'} given back for another worker` : ''}`,
  );
  return {
    stoppedBy: signal,
    uptimeMs: Date.now() - started,
    drainMs,
    activitiesReleased: released,
    orchestrations,
    activities,
    metricsPort: metricsServer?.port ?? null,
    metrics: runtime.metricsSnapshot(),
  };
}
