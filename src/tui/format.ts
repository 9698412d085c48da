/**
 * Pure text helpers for the TUI: fitting text into columns, ages, times and sparklines.
 */
import type { WaitingOn } from '../engine/waiting-on.js';

/** The text cut to `width` characters, with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
}

/** The text cut or padded to exactly `width` characters. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  const padding = ' '.repeat(Math.max(0, width - [...cut].length));
  return align === 'left' ? cut + padding : padding + cut;
}

/** One line: newlines and runs of whitespace become single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A compact duration: `850ms`, `12s`, `4m`, `3h`, `2d`. */
export function formatSpan(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  if (abs < 60_000) return `${Math.floor(abs / 1000)}s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)}m`;
  if (abs < 86_400_000) return `${Math.floor(abs / 3_600_000)}h`;
  return `${Math.floor(abs / 86_400_000)}d`;
}

/** How long ago `then` was: `now`, `12s ago`, `4m ago`. */
export function formatAge(then: number, now: number): string {
  const ms = now - then;
  return ms < 1000 ? 'now' : `${formatSpan(ms)} ago`;
}

/** An offset from the start of an execution: `+0.000s`, `+12.345s`, `+3m04s`. */
export function formatOffset(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < 60_000) return `+${(abs / 1000).toFixed(3)}s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  if (minutes < 60) return `+${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `+${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Local date and time `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** A one-line chart of non-negative values, scaled to the largest (`▁` is zero). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) => {
      if (max === 0 || v <= 0) return BARS[0];
      return BARS[Math.max(1, Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1))))];
    })
    .join('');
}

/** A JSON text shown compactly on one line (invalid JSON is shown as is). */
export function compactJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return oneLine(text);
  }
}

/** Any value as one line of text (strings without quotes). */
export function showValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return oneLine(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * What an instance waits on, in one line for the detail screen: `event approve · timer in 59m ·
 * activity Charge (attempt 2) · queue inbox · child order-1-ship`, or `—` when nothing is
 * recorded (a turn is due, or the instance is Pending).
 */
export function formatWaitingOn(waiting: WaitingOn, now: number): string {
  const parts = [
    ...waiting.events.map((name) => `event ${name}`),
    ...waiting.queues.map((name) => `queue ${name}`),
    ...waiting.activities.map((a) => {
      const details = [
        a.attempt > 1 ? `attempt ${a.attempt}` : '',
        a.tag === undefined ? '' : `tag ${a.tag}`,
      ].filter(Boolean);
      return `activity ${a.name}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    }),
    ...waiting.timers.map((t) =>
      t.fireAtMs > now ? `timer in ${formatSpan(t.fireAtMs - now)}` : 'timer due',
    ),
    ...waiting.children.map((id) => `child ${id}`),
  ];
  return parts.length === 0 ? '—' : parts.join(' · ');
}
