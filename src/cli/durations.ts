/**
 * Human durations for flags: `500ms`, `30s`, `15m`, `12h`, `7d`, combinations such as `1h30m`,
 * and bare numbers (seconds).
 */
import { unitDurationMs } from '../core/duration.js';
import { usageError } from './errors.js';

/** Parses a duration into milliseconds; throws a usage error naming `flag`. */
export function parseDuration(text: string, flag: string): number {
  const value = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const total = unitDurationMs(value);
  if (total === undefined) {
    throw usageError(
      `${flag} "${text}" is not a duration`,
      'use a number with a unit: 500ms, 30s, 15m, 12h, 7d (or combined, e.g. 1h30m)',
    );
  }
  return Math.round(total);
}

/** `1234` → `1.2s`, `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join('');
}
