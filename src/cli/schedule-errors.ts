/**
 * The schedule library's errors said in the CLI's words: option names become flag names
 * (`startAt` → `--start-at`), and the errors a user can act on get a hint — an unknown schedule
 * id, a schedule no worker has run yet (`ILLEGAL_STATE`), an id that is taken, an orchestration
 * no live worker knows. Codes, and so exit codes, stay the library's.
 */
import { isDuroxError } from '../core/errors.js';
import type { DuroxError } from '../core/errors.js';
import { rewordLibraryError } from './errors.js';

/** Library option names at the start of a message (or after "before"), and their flags. */
const FLAG_OF: Readonly<Record<string, string>> = {
  cron: '--cron',
  timezone: '--timezone',
  startAt: '--start-at',
  endAt: '--end-at',
  'interval.offset': '--offset',
  interval: '--interval',
  jitter: '--jitter',
  catchupWindow: '--catchup-window',
  remainingRuns: '--remaining-runs',
  orchestration: '--orchestration',
  version: '--version',
  input: '--input',
  from: '--from',
  to: '--to',
  id: 'schedule id',
};

const LEADING = /^(?:createSchedule: |updateSchedule: )?(interval\.offset|[a-zA-Z]+)(?=[: ])/;

/** `startAt: must …` → `--start-at: must …`; `… before startAt` → `… before --start-at`. */
export function flagWords(message: string): string {
  const led = message.replace(LEADING, (whole, field: string) => FLAG_OF[field] ?? whole);
  return led.replace(
    /\bbefore (startAt|from)\b/,
    (whole, field: string) => `before ${FLAG_OF[field] ?? field}`,
  );
}

// The CLI runs no runtime of its own: only the store's workers can know the orchestration.
const LOCAL_RUNTIME = / by a runtime of this process or /;
const UNKNOWN_ORCHESTRATION = / \(pass allowUnknownOrchestration: true to create the schedule anyway\)$/;

/**
 * Rewords a schedule error for the CLI (`id` names the schedule in hints); anything else is
 * returned as it is.
 */
export function scheduleError(err: unknown, id: string): unknown {
  if (!isDuroxError(err)) return err;
  const e: DuroxError = err;
  switch (e.code) {
    case 'NOT_FOUND':
      return rewordLibraryError(e, e.message, 'list schedules with `durox schedule list`');
    case 'ILLEGAL_STATE':
      return rewordLibraryError(
        e,
        `schedule '${id}' has not been run by a worker yet, so its state cannot be read`,
        'start a worker on this store (`durox worker run --module <file>`): it runs the schedule at once; pause, resume, trigger and delete work before that',
      );
    case 'INSTANCE_EXISTS':
      return rewordLibraryError(
        e,
        `schedule '${id}' already exists`,
        `choose another id, or delete it first with \`durox schedule delete ${id}\``,
      );
    case 'INVALID_INPUT':
      if (UNKNOWN_ORCHESTRATION.test(e.message)) {
        return rewordLibraryError(
          e,
          flagWords(e.message.replace(UNKNOWN_ORCHESTRATION, '').replace(LOCAL_RUNTIME, ' ')),
          'start a worker whose module registers it, check the name and --version, or pass --allow-unknown-orchestration',
        );
      }
      return rewordLibraryError(e, flagWords(e.message));
    default:
      return err;
  }
}
