/**
 * Colours of the TUI. Components take a `Theme` so that `NO_COLOR` (or `--no-color` style
 * options) turns every colour off in one place; selection stays visible through a `›` marker.
 */
import type { InstanceStatus } from '../core/provider.js';

/** An Ink colour name, or undefined for the terminal's default. */
export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray' | undefined;

export interface Theme {
  /** False when colours are off (`NO_COLOR`). */
  readonly enabled: boolean;
  /** The colour, or undefined when colours are off. */
  readonly c: (colour: Colour) => Colour;
}

export function createTheme(enabled: boolean): Theme {
  return { enabled, c: (colour) => (enabled ? colour : undefined) };
}

/** Colours are on unless `NO_COLOR` is set to a non-empty value (https://no-color.org). */
export function colourFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(typeof env.NO_COLOR === 'string' && env.NO_COLOR !== '');
}

export function statusColour(status: InstanceStatus | string): Colour {
  switch (status) {
    case 'Pending':
      return 'gray';
    case 'Running':
      return 'cyan';
    case 'Completed':
      return 'green';
    case 'Failed':
      return 'red';
    case 'ContinuedAsNew':
      return 'yellow';
    default:
      return undefined;
  }
}
