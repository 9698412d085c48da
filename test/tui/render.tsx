/**
 * Rendering the TUI in tests with ink-testing-library (a fake terminal 100 columns wide):
 * keys go in through `stdin.write`, and every wait is for the frame to change or show a text,
 * bounded by a timeout — no bare sleeps. Rendered apps are unmounted after each test.
 */
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach } from 'vitest';
import { App } from '../../src/tui/app.js';
import type { AppProps } from '../../src/tui/app.js';
import { STORE_LABEL } from './store.js';

type Rendered = ReturnType<typeof render>;

const mounted: Rendered[] = [];

afterEach(() => {
  for (const r of mounted.splice(0)) r.unmount();
});

/** Key sequences as a terminal sends them. */
export const KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

export const WAIT_MS = 5_000;

export interface Tui {
  /** The last frame as text (colours removed). */
  frame(): string;
  /** The last frame with its escape codes. */
  raw(): string;
  /** Waits until the text frame satisfies `check` (a text it must contain, or a predicate). */
  waitFor(check: string | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Sends keys, then waits for `until` (a text or predicate), or for the frame to change. */
  press(keys: string, until?: string | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** True once the app exited (it stopped reading the keyboard). */
  exited(): boolean;
  readonly rendered: Rendered;
}

export function renderTui(props: Partial<AppProps> & Pick<AppProps, 'client'>): Tui {
  const rendered = render(<App storeLabel={STORE_LABEL} refreshMs={200} {...props} />);
  mounted.push(rendered);
  const listeners = new Set<() => void>();
  const stdout = rendered.stdout;
  const write = stdout.write;
  stdout.write = (frame: string) => {
    write(frame);
    for (const listener of [...listeners]) listener();
  };
  const raw = (): string => rendered.lastFrame() ?? '';
  const frame = (): string => stripVTControlCharacters(raw());
  const waitFor = (check: string | ((frame: string) => boolean), timeoutMs = WAIT_MS): Promise<string> => {
    const test = typeof check === 'string' ? (f: string) => f.includes(check) : check;
    const what = typeof check === 'string' ? JSON.stringify(check) : 'the frame to match';
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = (): void => {
        const f = frame();
        if (test(f)) {
          done();
          // The frame is written during React's commit; its effects (Ink subscribing the input
          // handler of a dialog that just opened) run in the next turn of the event loop.
          setImmediate(() => resolve(f));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frame:\n${frame()}`));
      }, timeoutMs);
      listeners.add(listener);
      listener();
    });
  };
  return {
    frame,
    raw,
    waitFor,
    press: (keys, until, timeoutMs) => {
      const before = frame();
      rendered.stdin.write(keys);
      return waitFor(until ?? ((f) => f !== before), timeoutMs);
    },
    exited: () => rendered.stdin.listenerCount('readable') === 0,
    rendered,
  };
}

/** Replaces each match, keeping the width when the match ends in padding. */
function replaceKeepingWidth(text: string, pattern: RegExp, make: (...groups: string[]) => string): string {
  return text.replace(pattern, (match: string, ...groups: unknown[]) => {
    const made = make(...groups.filter((g): g is string => typeof g === 'string'));
    return made.length < match.length ? made.padEnd(match.length) : made;
  });
}

/**
 * The frame with what changes from run to run (times, ages, offsets, durations, rates) replaced
 * by fixed plausible values of the same width, for snapshots and the captures in docs/tui.md.
 */
export function stable(frame: string): string {
  let s = frame;
  s = s.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '2025-06-01 12:00:00');
  s = replaceKeepingWidth(s, /\+\d+(?:\.\d{3}s|m\d{2}s) */g, () => '+0.012s');
  s = replaceKeepingWidth(s, /(?<=[ (])(?:\d+(?:ms|s|m|h|d) ago|now(?! · peak)) */gm, () => '2s ago');
  s = s.replace(/(?<=[ (])in \d+(?:ms|s|m|h|d)\b( *)/g, (match: string, padding: string) =>
    padding === '' ? 'in 5m' : 'in 5m'.padEnd(match.length),
  );
  s = replaceKeepingWidth(s, /([←→]#[\d,#]+) \d+(?:ms|s|m|h|d) */g, (link) => `${link} 4ms`);
  s = s.replace(/\d+\.\d\/s/g, '0.0/s');
  s = s.replace(/(-5m )[▁▂▃▄▅▆▇█]+/g, `$1${'▁'.repeat(30)}`);
  s = s.replace(/peak \d+/g, 'peak 0');
  return s.replace(/ +$/gm, '');
}
