import { randomUUID } from 'node:crypto';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { usageError } from '../../cli/errors.js';
import { SYSCALL_PREFIX } from '../../engine/replay/tasks.js';
import { startNewInstance } from '../../cli/instances.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { formatDuration } from '../../cli/durations.js';
import { timeoutFlag } from '../../cli/flags.js';
import { instanceId, name, readJsonPayload, validate } from '../../cli/input.js';
import { printOutcome } from '../../cli/orchestration-output.js';
import { waitForOutcome } from '../../cli/wait.js';
import type { OrchestrationOutcome } from '../../cli/wait.js';

/** `--json` document of `orchestration start`. */
export type OrchestrationStartResult =
  | {
      instanceId: string;
      orchestrationName: string;
      /** The pinned version, or null for the latest registered on the worker. */
      orchestrationVersion: string | null;
      status: 'Pending';
      input: unknown;
    }
  | OrchestrationOutcome;

export default class OrchestrationStart extends BaseCommand<typeof OrchestrationStart> {
  static override summary = 'Start an orchestration instance';
  static override description =
    'Creates the instance (status Pending) and queues its start; a worker (`durox worker run`) runs it. An id that exists is refused (exit code 2). With --wait, waits for the instance to end: exit code 1 when it ended Failed, 4 when the timeout ran out.';
  static override examples = [
    '<%= config.bin %> orchestration start OrderWorkflow --input \'{"id":"o-1","items":[{"sku":"mug","qty":1,"price":12}]}\'',
    '<%= config.bin %> orch start Hello --id hello-1 --input \'"Ada"\' --wait --timeout 1m',
    '<%= config.bin %> orch start OrderWorkflow --input-file order.json --version 2.0.0 --json',
  ];
  static override aliases = ['orch:start'];
  static override args = {
    name: Args.string({ description: 'Orchestration name', required: true }),
  };
  static override flags = {
    id: Flags.string({ description: 'Instance id (default: <name>-<random>)', helpValue: '<id>' }),
    input: Flags.string({ description: 'Input as JSON', helpValue: '<json>', exclusive: ['input-file'] }),
    'input-file': Flags.string({
      description: 'Read the JSON input from a file (- for stdin)',
      helpValue: '<file>',
    }),
    version: Flags.string({ description: 'Run this version instead of the latest', helpValue: '<version>' }),
    wait: Flags.boolean({ description: 'Wait for the instance to end' }),
    timeout: timeoutFlag,
  };

  async run(): Promise<OrchestrationStartResult> {
    const { flags, args } = this;
    const orchestrationName = validate(name, args.name, 'orchestration name');
    if (orchestrationName.startsWith(SYSCALL_PREFIX)) {
      // The schedule orchestration's input is a schedule's whole state: not something to type.
      throw usageError(
        `orchestration name "${orchestrationName}": names starting with ${SYSCALL_PREFIX} are durox's own`,
        'create schedules with `durox schedule create`',
      );
    }
    const id = validate(instanceId, flags.id ?? `${orchestrationName}-${randomUUID().slice(0, 8)}`, '--id');
    const version = flags.version === undefined ? null : validate(name, flags.version, '--version');
    const input = readJsonPayload(flags.input, flags['input-file'], 'input');

    const client = await this.client();
    await startNewInstance(client, id, orchestrationName, input, version);

    if (!flags.wait) {
      if (!this.jsonEnabled())
        this.log(`started ${id} (${orchestrationName}${version ? ` ${version}` : ''})`);
      return {
        instanceId: id,
        orchestrationName,
        orchestrationVersion: version,
        status: 'Pending',
        input: input ?? null,
      };
    }
    this.note(`started ${id}; waiting up to ${formatDuration(flags.timeout)}`);
    const outcome = await waitForOutcome(client, id, flags.timeout, this.interactive(), {
      name: orchestrationName,
      version,
      warn: (reason) => this.note(`warning: ${reason}; ${id} waits until a worker that has it runs`),
    });
    if (outcome.status === 'Failed') this.setExitCode(ExitCode.FAILED);
    if (!this.jsonEnabled()) printOutcome(outcome);
    return outcome;
  }
}
