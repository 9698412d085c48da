/**
 * What the `durox schedule …` commands share beyond {@link BaseCommand}: errors reworded for the
 * CLI (schedule-errors.ts), the note that control messages wait for a worker, the `--wait` flag
 * and waiting for an update to be applied.
 */
import type { Command } from '@oclif/core';
import { sleep } from '../core/sleep.js';
import type { Client } from '../engine/client.js';
import { SCHEDULE_ORCHESTRATION } from '../engine/schedules/schedule-orchestration.js';
import { applySchedulePatch, DEFAULT_FIRST_TURN_WAIT_MS } from '../engine/schedules/spec.js';
import { formatDuration } from './durations.js';
import type { ScheduleDescription, SchedulePatch } from '../engine/schedules/types.js';
import { BaseCommand } from './base-command.js';
import { durationFlag } from './flags.js';
import { scheduleError } from './schedule-errors.js';

/** `--wait`: how long `schedule create` / `update` wait for a worker to take the change up. */
export const scheduleWaitFlag = durationFlag({
  description: 'How long to wait for a worker to take it up (e.g. 30s; 0: do not wait)',
  default: DEFAULT_FIRST_TURN_WAIT_MS,
  defaultHelp: async () => formatDuration(DEFAULT_FIRST_TURN_WAIT_MS),
});
const POLL_MS = 50;

/**
 * Whether a live worker of the store runs schedules; `null` when the store keeps no worker
 * registry (then nobody knows).
 */
export async function schedulesRun(client: Client): Promise<boolean | null> {
  const workers = await client.listWorkers();
  if (workers === null) return null;
  return workers.some((w) => Object.hasOwn(w.orchestrations, SCHEDULE_ORCHESTRATION));
}

/** Keys sorted at every level, so that two equal specs print the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Waits (up to `timeoutMs`) until the schedule's published state shows `patch` applied to the
 * spec `before` had; resolves with the last description read and whether it was applied.
 */
export async function waitForUpdate(
  client: Client,
  before: ScheduleDescription,
  patch: SchedulePatch,
  timeoutMs: number,
): Promise<{ description: ScheduleDescription; applied: boolean }> {
  const expected = applySchedulePatch(before.spec, patch);
  const want = canonical(expected.spec);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await client.describeSchedule(before.id);
    const remainingOk =
      expected.remainingRuns === undefined ||
      (description.state.remainingRuns ?? null) === expected.remainingRuns;
    if (canonical(description.spec) === want && remainingOk) return { description, applied: true };
    if (Date.now() >= deadline) return { description, applied: false };
    await sleep(POLL_MS);
  }
}

/** A `durox schedule …` command: the schedule library's errors are reworded for the CLI. */
export abstract class ScheduleCommand<T extends typeof Command> extends BaseCommand<T> {
  /** The schedule the command works on (for hints). */
  protected scheduleId(): string {
    const id = (this.args as { id?: unknown } | undefined)?.id;
    return typeof id === 'string' ? id : '<id>';
  }

  /**
   * Warns on stderr (not with `--json`) that a control message waits until a worker runs the
   * schedule, when no live worker does.
   */
  protected async noteWhenNoWorker(client: Client): Promise<void> {
    if ((await schedulesRun(client)) === false) {
      this.note(
        'warning: no worker is running on this store; it applies when one runs the schedule (`durox worker run`)',
      );
    }
  }

  override async catch(err: Error): Promise<void> {
    return super.catch(scheduleError(err, this.scheduleId()) as Error);
  }
}
