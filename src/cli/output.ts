/**
 * Human output helpers: colors that follow the stream they print to, aligned tables, key/value
 * blocks, times and compact values.
 */
import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';

/** Colors for stdout (off when stdout is not a terminal or NO_COLOR is set). */
export function stdoutColors(): ChalkInstance {
  return colorsFor(process.stdout);
}

/** Colors for stderr. */
export function stderrColors(): ChalkInstance {
  return colorsFor(process.stderr);
}

function colorsFor(stream: NodeJS.WriteStream): ChalkInstance {
  const enabled = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return new Chalk({ level: enabled || process.env.FORCE_COLOR ? 1 : 0 });
}

/** Colors a status word. */
export function colorStatus(c: ChalkInstance, status: string): string {
  switch (status) {
    case 'Completed':
      return c.green(status);
    case 'Failed':
      return c.red(status);
    case 'Running':
      return c.cyan(status);
    case 'ContinuedAsNew':
      return c.blue(status);
    case 'Pending':
      return c.gray(status);
    default:
      return c.gray(status);
  }
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Display width of a string (ANSI escapes excluded). */
export function width(text: string): number {
  return text.replace(ANSI, '').length;
}

function pad(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

/** An aligned table with a header row. */
export function table(headers: string[], rows: string[][], c: ChalkInstance): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [c.bold(line(headers)), ...rows.map(line)].join('\n');
}

/** `key: value` lines with aligned values; undefined values are skipped. */
export function keyValues(pairs: [string, string | undefined][], c: ChalkInstance): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  const size = Math.max(...shown.map(([k]) => k.length)) + 1;
  // A value that starts on the next line (an indented block) leaves no padding behind its key.
  return shown
    .map(([k, v]) => (v.startsWith('\n') ? `${c.dim(`${k}:`)}${v}` : `${c.dim(pad(`${k}:`, size))} ${v}`))
    .join('\n');
}

/** Epoch ms → `2025-01-31 12:34:56` (UTC). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}Z`;
}

/** A value as compact JSON, cut to `max` characters. */
export function compact(value: unknown, max = 80): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Stored JSON text, shown compactly (falls back to the raw text). */
export function compactText(text: string | null | undefined, max = 80): string {
  if (text === null || text === undefined) return '';
  try {
    return compact(JSON.parse(text) as unknown, max);
  } catch {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }
}
