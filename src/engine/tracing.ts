/**
 * `initTracing`: sends every durox log line of the process — orchestration traces
 * (`ctx.traceInfo`…, silent during replay), activity traces and the runtimes' own logs — to a
 * file instead of stderr, as duroxide-node's `initTracing` installs a file tracing subscriber.
 * Process-wide, like duroxide-node's subscriber: the first successful call wins.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { IllegalStateError, InvalidInputError } from '../core/errors.js';
import { formatTraceLine, type TraceRecord } from './trace-format.js';

/** Levels of `initTracing`, most severe first; `trace` is the most verbose. */
export type TracingLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Line formats of the trace file. */
export type TracingFormat = 'json' | 'pretty' | 'compact';

/** Options of {@link initTracing} (duroxide-node's `JsTracingOptions`). */
export interface TracingOptions {
  /** The file to append to; created if missing (its directory must exist). */
  logFile: string;
  /**
   * Most verbose level written (default `info`); case-insensitive. The `DUROX_LOG`
   * environment variable (`error|warn|info|debug|trace|off`) overrides it.
   */
  logLevel?: TracingLevel;
  /**
   * `compact` (default: one line per record), `pretty` (a header line, then one indented line
   * per field) or `json` (one object per line). Other values mean `compact`.
   */
  logFormat?: TracingFormat | string;
}

const RANK: Record<TracingLevel | 'off', number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

/** The installed trace file: where logs go instead of stderr. */
export interface TraceFile {
  /** The path given to `initTracing`. */
  readonly path: string;
  /** Whether records of `level` pass the filter. */
  enabled(level: TracingLevel): boolean;
  /** Appends one record (synchronously, so it is in the file even if the process exits next). */
  write(record: Omit<TraceRecord, 'time'>): void;
}

let installed: TraceFile | null = null;

/** The file `initTracing` installed, or null when logs go to stderr. @internal */
export function activeTraceFile(): TraceFile | null {
  return installed;
}

function isLevel(value: string): value is TracingLevel | 'off' {
  return Object.hasOwn(RANK, value);
}

function parseLevel(value: unknown): TracingLevel {
  if (value === undefined || value === null) return 'info';
  const level = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!isLevel(level) || level === 'off') {
    throw new InvalidInputError(
      `invalid tracing option logLevel: expected error, warn, info, debug or trace, got ${JSON.stringify(value)}`,
    );
  }
  return level;
}

function parseFormat(value: unknown): TracingFormat {
  return value === 'json' || value === 'pretty' ? value : 'compact';
}

/**
 * Sends orchestration and activity traces and runtime logs of this process to `logFile`
 * (appending) instead of stderr, filtered by `logLevel` and written in `logFormat`. Call it
 * before starting a runtime; it applies to every runtime of the process.
 *
 * Like duroxide-node, the first successful call wins: a later call throws (message starting
 * `Failed to init tracing:`) and changes nothing, so tracing keeps going to the first file.
 *
 * @throws InvalidInputError whose message contains `Failed to open log file` when the file
 *   cannot be opened for appending, or naming the bad option.
 * @throws IllegalStateError whose message starts `Failed to init tracing:` when tracing was
 *   already initialised.
 * @example
 * initTracing({ logFile: './durox.log', logLevel: 'debug', logFormat: 'json' });
 */
export function initTracing(options: TracingOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('initTracing needs an options object with a logFile');
  }
  const path: unknown = options.logFile;
  if (typeof path !== 'string' || path.trim() === '') {
    throw new InvalidInputError('invalid tracing option logFile: expected a file path');
  }
  const optionLevel = parseLevel(options.logLevel);
  const format = parseFormat(options.logFormat);
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidInputError(`Failed to open log file '${path}': ${reason}`, { cause: err });
  }
  if (installed !== null) {
    closeSync(fd);
    throw new IllegalStateError(
      `Failed to init tracing: tracing already writes to '${installed.path}' (the first initTracing call wins)`,
    );
  }
  // DUROX_LOG overrides the level, as RUST_LOG does for duroxide-node.
  const env = process.env.DUROX_LOG?.trim().toLowerCase();
  const threshold = RANK[env !== undefined && isLevel(env) ? env : optionLevel];
  installed = {
    path,
    enabled: (level) => RANK[level] <= threshold,
    write(record) {
      if (RANK[record.level] > threshold) return;
      // Synchronous appends: a log line must not be lost when the process exits right after.
      writeSync(fd, formatTraceLine({ ...record, time: new Date() }, format));
    },
  };
}
