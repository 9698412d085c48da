import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { integerFlag } from '../../cli/flags.js';
import { usageError } from '../../cli/errors.js';
import { buildHistoryFile, readHistoryFile } from '../../cli/history-file.js';
import type { ExecutionSelection, HistoryFile } from '../../cli/history-file.js';
import { instanceId, validate } from '../../cli/input.js';
import { buildTimeline, renderTimeline } from '../../cli/timeline.js';
import type { Timeline } from '../../cli/timeline.js';

export default class HistoryShow extends BaseCommand<typeof HistoryShow> {
  static override summary = 'Show the history of an instance as a readable timeline';
  static override description =
    'One line per event with its offset from the start of the execution; schedules point to their completions (⟶ #n), completions to their schedules (⟵ #n). Reads the store, or a dump with --file.';
  static override examples = [
    '<%= config.bin %> history show order-1',
    '<%= config.bin %> history show monitor-7 --all',
    '<%= config.bin %> history show --file histories/order-1.json --json',
  ];
  static override args = {
    id: Args.string({ description: 'Instance id (not with --file)' }),
  };
  static override flags = {
    execution: integerFlag({ min: 1 })({ description: 'Only this execution', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'Every stored execution' }),
    file: Flags.string({
      char: 'f',
      description: 'Show a file written by `history dump` instead',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<Timeline> {
    let history: HistoryFile;
    if (this.flags.file !== undefined) {
      if (this.args.id !== undefined) throw usageError('give an instance id or --file, not both');
      history = readHistoryFile(this.flags.file);
      if (this.flags.execution !== undefined) {
        history = {
          ...history,
          executions: history.executions.filter((x) => x.executionId === this.flags.execution),
        };
        if (history.executions.length === 0)
          throw usageError(`${this.flags.file} has no execution ${this.flags.execution}`);
      } else if (!this.flags.all) {
        history = { ...history, executions: history.executions.slice(-1) };
      }
    } else {
      if (this.args.id === undefined)
        throw usageError('missing instance id', 'durox history show <id> (or --file <dump>)');
      const id = validate(instanceId, this.args.id, 'instance id');
      const selection: ExecutionSelection = this.flags.all
        ? { kind: 'all' }
        : this.flags.execution === undefined
          ? { kind: 'current' }
          : { kind: 'one', executionId: this.flags.execution };
      history = await buildHistoryFile(await this.client(), id, selection);
    }
    const timeline = buildTimeline(history);
    if (!this.jsonEnabled()) this.log(renderTimeline(timeline));
    return timeline;
  }
}
