/**
 * Starts `durox tui` on a terminal and resolves when the user quits: switches to the
 * alternate screen, renders the app, and restores the screen, cursor and input mode however
 * it ends (q, Ctrl+C, an error, or the process exiting).
 */
import chalk from 'chalk';
import { render } from 'ink';
import { createElement } from 'react';
import { App } from './app.js';
import type { TuiClient } from './client.js';
import { colourFromEnv } from './theme.js';
import { noToygres } from './toygres.js';
import type { ToygresDataSource } from './toygres.js';

export interface RunTuiOptions {
  readonly client: TuiClient;
  readonly storeLabel: string;
  readonly refreshMs?: number;
  readonly toygres?: ToygresDataSource;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
}

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';

/** True when both ends are a terminal (the TUI needs raw keyboard input and a screen). */
export function canRunTui(
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): boolean {
  return stdin.isTTY === true && stdout.isTTY === true;
}

export async function runTui(options: RunTuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const colour = colourFromEnv(options.env);
  // NO_COLOR: no colour escapes at all, also from Ink's own styling.
  if (!colour) chalk.level = 0;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT_SCREEN);
  };
  process.once('exit', restore);
  stdout.write(ENTER_ALT_SCREEN);
  const app = render(
    createElement(App, {
      client: options.client,
      storeLabel: options.storeLabel,
      refreshMs: options.refreshMs ?? 1000,
      toygres: options.toygres ?? noToygres,
      colour,
    }),
    { stdout, stdin, exitOnCtrlC: false, patchConsole: true },
  );
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    restore();
    process.off('exit', restore);
  }
}
