import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CliError } from '../../cli/errors.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { timeoutFlag } from '../../cli/flags.js';
import { instanceId, validate } from '../../cli/input.js';
import { printOutcome } from '../../cli/orchestration-output.js';
import { waitForOutcome } from '../../cli/wait.js';
import type { OrchestrationOutcome } from '../../cli/wait.js';

export default class OrchestrationWait extends BaseCommand<typeof OrchestrationWait> {
  static override summary = 'Wait for an orchestration instance to end';
  static override description =
    'Exit code 0 when it Completed, 1 when it ended Failed, 3 when the instance is unknown, 4 when the timeout ran out (the instance keeps running).';
  static override examples = [
    '<%= config.bin %> orchestration wait order-1',
    '<%= config.bin %> orch wait order-1 --timeout 10m --json',
  ];
  static override aliases = ['orch:wait'];
  static override args = {
    id: Args.string({ description: 'Instance id', required: true }),
  };
  static override flags = {
    timeout: timeoutFlag,
  };

  async run(): Promise<OrchestrationOutcome> {
    const id = validate(instanceId, this.args.id, 'instance id');
    const client = await this.client();
    const info = await client.findInstance(id);
    if (!info) {
      throw new CliError('NOT_FOUND', `instance '${id}' not found`, {
        hint: 'if it was just started, is a worker running (`durox worker run`)? `orchestration start --wait` waits for queued starts',
      });
    }
    const outcome = await waitForOutcome(client, id, this.flags.timeout, this.interactive(), {
      name: info.orchestrationName,
      version: info.orchestrationVersion,
      warn: (reason) => this.note(`warning: ${reason}; ${id} waits until a worker that has it runs`),
    });
    if (outcome.status === 'Failed') this.setExitCode(ExitCode.FAILED);
    if (!this.jsonEnabled()) printOutcome(outcome);
    return outcome;
  }
}
