import { Args, Flags } from '@oclif/core';
import type { OverlapPolicy } from '../../engine/schedules/types.js';
import { ScheduleCommand } from '../../cli/schedule-command.js';
import { usageError } from '../../cli/errors.js';
import { instanceId, validate } from '../../cli/input.js';
import { overlapFlag, parseTimeFlag } from '../../cli/schedule-options.js';
import { isoTime } from '../../engine/schedules/next-times.js';

/** `--json` document of `schedule backfill`. */
export interface ScheduleBackfillResult {
  id: string;
  /** The range, ISO 8601 UTC (inclusive). */
  from: string;
  to: string;
  overlap: OverlapPolicy;
  /** How many times of the schedule the range holds: the runs the backfill starts. */
  times: number;
  /** The backfill was sent; its runs start at the schedule's next turn. */
  backfillRequested: true;
}

/** `durox schedule backfill <id>`: starts the runs of the times in `[--from, --to]`. */
export default class ScheduleBackfill extends ScheduleCommand<typeof ScheduleBackfill> {
  static override summary = "Start a schedule's runs for every time in a past (or future) range";
  static override description =
    "Starts every time of the schedule's spec in [--from, --to] (at most 1,000), in order, each once (times that already ran are not started again), at the schedule's next turn. Overlap policy allow-all unless --overlap is given. Exit code 3 for an unknown schedule; 1 when no worker has run the schedule yet.";
  static override examples = [
    '<%= config.bin %> schedule backfill nightly-eu --from 2030-01-01 --to 2030-01-07T23:59:59Z',
    '<%= config.bin %> schedule backfill sync --from now-6h --to now --overlap buffer-all',
  ];
  static override args = {
    id: Args.string({ description: 'Schedule id', required: true }),
  };
  static override flags = {
    from: Flags.string({
      description: 'First time of the range (ISO 8601, UTC without an offset; epoch ms; now±<duration>)',
      helpValue: '<time>',
      required: true,
    }),
    to: Flags.string({
      description: 'Last time of the range (as --from)',
      helpValue: '<time>',
      required: true,
    }),
    overlap: overlapFlag({
      description: 'Overlap policy of the backfilled runs (default allow-all: every time starts)',
    }),
  };

  async run(): Promise<ScheduleBackfillResult> {
    const id = validate(instanceId, this.args.id, 'schedule id');
    const now = Date.now();
    const from = parseTimeFlag(this.flags.from, '--from', now);
    const to = parseTimeFlag(this.flags.to, '--to', now);
    if (to < from) throw usageError('--to must not be before --from');
    const overlap = this.flags.overlap ?? 'allow-all';
    const client = await this.client();
    const times = await client.backfillSchedule(id, { from, to, overlap });
    await this.noteWhenNoWorker(client);
    this.log(
      `backfill of schedule ${id} requested: ${times} time${times === 1 ? '' : 's'} from ${isoTime(from)} to ${isoTime(to)}`,
    );
    return { id, from: isoTime(from), to: isoTime(to), overlap, times, backfillRequested: true };
  }
}
