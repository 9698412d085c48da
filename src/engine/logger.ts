/**
 * A small structured logger. Lines go to stderr so stdout stays free for program output.
 * `DUROX_LOG` (error|warn|info|debug|off) overrides the configured level. Once `initTracing`
 * installed a trace file (see tracing.ts), every logger writes there instead, with the file's
 * level and format.
 */
import type { TraceTarget } from './trace-format.js';
import { activeTraceFile } from './tracing.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty' | 'compact';

const RANK: Record<LogLevel | 'off', number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  /** `target` says whose record it is (default: the runtime's own). */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>, target?: TraceTarget): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel | 'off';
  format?: LogFormat;
  /** Defaults to stderr. */
  write?: (line: string) => void;
}

function envLevel(): LogLevel | 'off' | undefined {
  const value = process.env.DUROX_LOG?.toLowerCase();
  return value && value in RANK ? (value as LogLevel | 'off') : undefined;
}

/** Creates a logger; the level defaults to `warn`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[envLevel() ?? options.level ?? 'warn'];
  const format = options.format ?? 'compact';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    enabled: (level) => activeTraceFile()?.enabled(level) ?? RANK[level] <= threshold,
    log(level, message, fields = {}, target = 'runtime') {
      const file = activeTraceFile();
      if (file !== null) {
        file.write({ level, target, message, fields });
        return;
      }
      if (RANK[level] > threshold) return;
      const time = new Date().toISOString();
      if (format === 'json') {
        write(JSON.stringify({ time, level, message, ...fields }));
        return;
      }
      const pairs = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const prefix =
        format === 'pretty' ? `${time} ${level.toUpperCase().padEnd(5)}` : `${level.toUpperCase()}`;
      write(`${prefix} durox: ${message}${pairs ? ` ${pairs}` : ''}`);
    },
  };
}
