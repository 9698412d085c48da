/**
 * Flags shared by several commands. The global ones (`--store`, `--schema`, `--debug`) are the
 * base command's `baseFlags`; the rest are spread into commands that need them.
 */
import { Flags } from '@oclif/core';
import { parseDuration } from './durations.js';
import { usageError } from './errors.js';

/** Flags every command has (shown under GLOBAL in help). */
export const globalFlags = {
  store: Flags.string({
    description:
      'Store URL: sqlite:<path>, sqlite::memory: or postgres://user:pass@host/db. Default: sqlite:~/.durox/durox.db',
    env: 'DUROX_STORE',
    helpGroup: 'GLOBAL',
    helpValue: '<url>',
  }),
  schema: Flags.string({
    description: 'PostgreSQL schema to use (PostgreSQL stores only)',
    helpGroup: 'GLOBAL',
    helpValue: '<name>',
  }),
  debug: Flags.boolean({
    description: 'Print stack traces with errors',
    helpGroup: 'GLOBAL',
  }),
};

/** A duration flag (`30s`, `5m`, `7d`, bare numbers are seconds), parsed to milliseconds. */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  parse: async (input, _ctx, opts) => parseDuration(input, `--${opts.name}`),
});

/** How long to wait for an orchestration. */
export const timeoutFlag = durationFlag({
  description: 'How long to wait (e.g. 30s, 5m); exit code 4 when it runs out',
  default: 30_000,
  defaultHelp: async () => '30s',
});

/** `--module`: user code with orchestrations and activities (repeatable). */
export const moduleFlag = Flags.string({
  char: 'm',
  description:
    'Module with your orchestrations and activities (.js, .mjs or .ts) exporting register(runtime) or { orchestrations, activities }; repeatable',
  multiple: true,
  required: true,
  helpValue: '<file>',
});

/** Bounds of an {@link integerFlag}. */
export interface IntegerBounds {
  min?: number;
  max?: number;
}

/**
 * An integer flag whose errors name the flag and its range (oclif's own integer flag says
 * "Expected an integer …" without saying which flag).
 */
export function integerFlag(bounds: IntegerBounds = {}): ReturnType<typeof Flags.custom<number>> {
  const { min, max } = bounds;
  const range =
    min !== undefined && max !== undefined
      ? `from ${min} to ${max}`
      : min !== undefined
        ? `of at least ${min}`
        : max !== undefined
          ? `of at most ${max}`
          : '';
  return Flags.custom<number>({
    helpValue: '<n>',
    parse: async (input, _ctx, opts) => {
      const flag = `--${opts.name}`;
      const hint = `pass a whole number${range ? ` ${range}` : ''}`;
      if (!/^-?\d+$/.test(input.trim())) throw usageError(`${flag} "${input}" is not a whole number`, hint);
      const value = Number(input.trim());
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        throw usageError(`${flag} ${value} is out of range`, hint);
      }
      return value;
    },
  });
}
