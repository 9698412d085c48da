/**
 * A small structured logger. Lines go to stderr so stdout stays free for program output.
 * `DUROX_LOG` (error|warn|info|debug|off) overrides the configured level. Once `initTracing`
 * installed a trace file (see tracing.ts), every logger writes there instead, with the file's
 * level and format.
 *
 * Formats (docs/observability.md, "Logs"): `compact` (default) `LEVEL durox: message k=v …`,
 * `pretty` (the same after an ISO time) and `json`: one object per line with `time`, `level`,
 * `target`, `message`, then `name` / `version` (the orchestration's, or the activity's name),
 * `instanceId`, `executionId`, the other fields in camelCase and, when an OpenTelemetry span
 * is active, `traceId` and `spanId`.
 */
import { assertNever } from '../core/exhaustive.js';
import { activeSpanIds } from './otel.js';
import type { TraceTarget } from './trace-format.js';
import { activeTraceFile } from './tracing.js';

/** Levels of the runtime logger, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
/** Line formats of the runtime logger (the `logFormat` runtime option). */
export type LogFormat = 'json' | 'pretty' | 'compact';

const RANK: Record<LogLevel | 'off', number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** @internal The runtime's logger. */
export interface Logger {
  /** `target` says whose record it is (default: the runtime's own). */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>, target?: TraceTarget): void;
  enabled(level: LogLevel): boolean;
}

/** @internal */
export interface LoggerOptions {
  level?: LogLevel | 'off';
  format?: LogFormat;
  /** Defaults to stderr. */
  write?: (line: string) => void;
}

/** One log record, as {@link formatLogRecord} writes it. @internal */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  /** Whose record: `orchestration` (ctx.trace*), `activity` (ctx.trace*), `runtime`, or an application's name. */
  target: string;
  message: string;
  /** Context in snake_case (`instance_id`, `orchestration_name` …); undefined values are left out. */
  fields: Readonly<Record<string, unknown>>;
}

function envLevel(): LogLevel | 'off' | undefined {
  const value = process.env.DUROX_LOG?.toLowerCase();
  return value && value in RANK ? (value as LogLevel | 'off') : undefined;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The JSON layout: fixed keys first, `name`/`version` from the activity or orchestration. */
function jsonRecord(record: LogRecord, span: { traceId: string; spanId: string } | undefined): object {
  const {
    activity_name: activity,
    orchestration_name: orchestration,
    orchestration_version: version,
  } = record.fields;
  const out: Record<string, unknown> = {
    time: record.time.toISOString(),
    level: record.level,
    target: record.target,
    message: record.message,
  };
  if (activity !== undefined) {
    out.name = activity;
    if (orchestration !== undefined) out.orchestrationName = orchestration;
    if (version !== undefined) out.orchestrationVersion = version;
  } else if (orchestration !== undefined) {
    out.name = orchestration;
    if (version !== undefined) out.version = version;
  }
  for (const [key, value] of Object.entries(record.fields)) {
    if (value === undefined) continue;
    if (key === 'activity_name' || key === 'orchestration_name' || key === 'orchestration_version') continue;
    out[camelCase(key)] = value;
  }
  if (span !== undefined) {
    out.traceId = span.traceId;
    out.spanId = span.spanId;
  }
  return out;
}

/**
 * One record as one line (no newline) in `format`. The single formatter of stderr logs: the
 * runtime logger and `durox worker run`'s own lines both use it. @internal
 */
export function formatLogRecord(record: LogRecord, format: LogFormat): string {
  const span = activeSpanIds();
  switch (format) {
    case 'json':
      return JSON.stringify(jsonRecord(record, span));
    case 'pretty':
    case 'compact': {
      const fields = span === undefined ? record.fields : { ...record.fields, trace_id: span.traceId };
      const pairs = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const level = record.level.toUpperCase();
      const prefix = format === 'pretty' ? `${record.time.toISOString()} ${level.padEnd(5)}` : level;
      return `${prefix} durox: ${record.message}${pairs ? ` ${pairs}` : ''}`;
    }
    default:
      return assertNever(format);
  }
}

/** Creates a logger; the level defaults to `warn`. @internal */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[envLevel() ?? options.level ?? 'warn'];
  const format = options.format ?? 'compact';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    enabled: (level) => activeTraceFile()?.enabled(level) ?? RANK[level] <= threshold,
    log(level, message, fields = {}, target = 'runtime') {
      const file = activeTraceFile();
      if (file !== null) {
        const span = activeSpanIds();
        file.write({ level, target, message, fields: span ? { ...fields, trace_id: span.traceId } : fields });
        return;
      }
      if (RANK[level] > threshold) return;
      write(formatLogRecord({ time: new Date(), level, target, message, fields }, format));
    },
  };
}
