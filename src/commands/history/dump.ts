import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { integerFlag } from '../../cli/flags.js';
import { buildHistoryFile } from '../../cli/history-file.js';
import type { ExecutionSelection, HistoryFile } from '../../cli/history-file.js';
import { instanceId, validate } from '../../cli/input.js';

/** `--json` document of `history dump --out <file>` (without --out, the history file itself). */
export interface HistoryDumpWritten {
  file: string;
  instanceId: string;
  executions: number;
  events: number;
}

export default class HistoryDump extends BaseCommand<typeof HistoryDump> {
  static override summary = 'Write the history of an instance as a versioned JSON document';
  static override description =
    'The format is documented in docs/history-format.md; `durox history replay` checks such files against new code. Without --out the document goes to stdout. Default: the current execution.';
  static override examples = [
    '<%= config.bin %> history dump order-1 --out histories/order-1.json',
    '<%= config.bin %> history dump monitor-7 --all > monitor-7.json',
    '<%= config.bin %> history dump monitor-7 --execution 3',
  ];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };
  static override flags = {
    execution: integerFlag({ min: 1 })({ description: 'Only this execution', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'Every stored execution (continue-as-new chains)' }),
    out: Flags.string({
      char: 'o',
      description: 'Write to this file instead of stdout',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<HistoryFile | HistoryDumpWritten> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const selection: ExecutionSelection = this.flags.all
      ? { kind: 'all' }
      : this.flags.execution === undefined
        ? { kind: 'current' }
        : { kind: 'one', executionId: this.flags.execution };
    const file = await buildHistoryFile(await this.client(), id, selection);
    const text = `${JSON.stringify(file, null, 2)}\n`;
    if (this.flags.out === undefined) {
      if (!this.jsonEnabled()) process.stdout.write(text);
      return file;
    }
    const path = resolve(this.flags.out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const events = file.executions.reduce((sum, x) => sum + x.events.length, 0);
    this.log(
      `wrote ${file.executions.length} execution(s), ${events} event(s) of ${id} to ${this.flags.out}`,
    );
    return { file: path, instanceId: id, executions: file.executions.length, events };
  }
}
