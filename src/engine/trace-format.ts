/**
 * Line formats of the `initTracing` file, modelled on the formats of Rust's tracing-subscriber
 * that duroxide-node writes: `compact`, `pretty` and `json`.
 */

/** Where a record comes from: user code in orchestrations or activities, or the runtime. */
export type TraceTarget = 'orchestration' | 'activity' | 'runtime';

/** One log record. */
export interface TraceRecord {
  time: Date;
  level: 'error' | 'warn' | 'info' | 'debug' | 'trace';
  target: TraceTarget;
  message: string;
  /** Context such as instance_id; undefined values are left out. */
  fields: Readonly<Record<string, unknown>>;
}

function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Compact values stay one token: strings with spaces, quotes or `=` are quoted. */
function compactText(value: unknown): string {
  return typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value);
}

function definedFields(fields: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(fields).filter(([, value]) => value !== undefined);
}

/** The record as text ending in a newline (several lines for `pretty`). */
export function formatTraceLine(record: TraceRecord, format: 'json' | 'pretty' | 'compact'): string {
  const time = record.time.toISOString();
  const level = record.level.toUpperCase();
  const target = `durox::${record.target}`;
  const fields = definedFields(record.fields);
  switch (format) {
    case 'json':
      return `${JSON.stringify({
        timestamp: time,
        level,
        target,
        fields: { message: record.message, ...Object.fromEntries(fields) },
      })}\n`;
    case 'pretty':
      return [
        `${time} ${level.padStart(5)} ${target}: ${record.message}`,
        ...fields.map(([key, value]) => `    ${key}: ${fieldText(value)}`),
        '',
      ].join('\n');
    case 'compact': {
      const pairs = fields.map(([key, value]) => ` ${key}=${compactText(value)}`).join('');
      return `${time} ${level.padStart(5)} ${target}: ${record.message}${pairs}\n`;
    }
  }
}
