import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { integerFlag } from '../../cli/flags.js';
import { instanceId, validate } from '../../cli/input.js';
import { watchedEventLine, watchedEventText } from '../../cli/orchestration-output.js';
import { stdoutColors } from '../../cli/output.js';
import type { HistoryEvent } from '../../core/history.js';

export default class OrchestrationWatch extends BaseCommand<typeof OrchestrationWatch> {
  static override summary = 'Print the history events of an instance as they are committed';
  static override description =
    "One line per event (with --json, one JSON object per line: executionId, eventId, kind, sourceEventId?, timestampMs, data?): the current execution's events so far, then each new one as it commits, following continue-as-new. Ends after the instance completes or fails; exit code 0 when it Completed, 1 when it Failed, 3 when the instance is unknown.";
  static override examples = [
    '<%= config.bin %> orchestration watch order-1',
    '<%= config.bin %> orch watch order-1 --from-event 12 --json',
  ];
  static override aliases = ['orch:watch'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };
  static override flags = {
    'from-event': integerFlag({ min: 1 })({
      description: 'Start at this event id of the current execution (default 1: all of it)',
      helpValue: '<n>',
    }),
  };

  /** NDJSON: every document (an event, or an error) is one line. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }

  async run(): Promise<void> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const client = await this.client();
    const json = this.jsonEnabled();
    const c = stdoutColors();
    const fromEventId = this.flags['from-event'];
    let byId = new Map<number, HistoryEvent>();
    let execution = 0;
    for await (const item of client.watchHistory(id, fromEventId === undefined ? {} : { fromEventId })) {
      if (json) {
        this.logJson(watchedEventLine(item));
        continue;
      }
      if (item.executionId !== execution) {
        execution = item.executionId;
        byId = new Map();
      }
      byId.set(item.event.event_id, item.event);
      process.stdout.write(`${watchedEventText(item, byId, c)}\n`);
    }
    const info = await client.findInstance(id);
    if (info?.status === 'Failed') this.setExitCode(ExitCode.FAILED);
  }
}
