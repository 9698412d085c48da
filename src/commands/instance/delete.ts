import { Args, Flags } from '@oclif/core';
import { ExitCode } from '../../cli/exit-codes.js';
import { durationFlag } from '../../cli/flags.js';
import { stdoutColors } from '../../cli/output.js';
import { embeddedWorkerFlag, InstanceCommand } from '../../cli/toygres/instance-command.js';
import { deleteInstance, waitForDelete } from '../../toygres/control-plane.js';
import type { DeletionStarted, OperationOutcome } from '../../toygres/control-plane.js';

/** `--json` document of `instance delete`. */
export type InstanceDeleteResult =
  (DeletionStarted & { status: 'Pending' }) | (DeletionStarted & OperationOutcome);

export default class InstanceDelete extends InstanceCommand<typeof InstanceDelete> {
  static override summary = 'Delete a PostgreSQL instance';
  static override description = `Starts the toygres::delete-instance orchestration (delete-<name>): stop the health monitor, remove the server and its data, mark the instance deleted. Deleting again retries a delete that failed. Exit code 3 for an unknown (or already deleted) instance.

With --wait, waits for the delete to end (exit 1 when it failed, 4 on timeout); on a SQLite store toygres runs in this process meanwhile.`;
  static override examples = [
    '<%= config.bin %> instance delete demo --wait',
    '<%= config.bin %> instance delete demo --json',
  ];
  static override args = {
    name: Args.string({ description: 'Instance name', required: true }),
  };
  static override flags = {
    wait: Flags.boolean({ description: 'Wait until the instance is deleted' }),
    timeout: durationFlag({
      description: 'With --wait: how long to wait (exit code 4 when it runs out)',
      default: 120_000,
      defaultHelp: async () => '2m',
    }),
    'embedded-worker': embeddedWorkerFlag,
  };

  async run(): Promise<InstanceDeleteResult> {
    const { flags } = this;
    const cp = await this.controlPlane();
    const started = await deleteInstance(cp, this.args.name);
    if (!flags.wait) {
      if (!this.jsonEnabled()) {
        this.log(
          `${started.alreadyInProgress ? 'already deleting' : 'deleting'} ${started.name} (${started.orchestrationId})`,
        );
        this.note('a worker runs it (`durox worker run`)');
      }
      return { ...started, status: 'Pending' };
    }
    if (this.embeddedWorkerWanted(flags['embedded-worker'])) await this.startEmbeddedWorker();
    const progress = this.progress(`deleting ${started.name}`);
    let outcome: OperationOutcome;
    try {
      outcome = await waitForDelete(cp, started, { timeoutMs: flags.timeout, onProgress: progress.update });
    } finally {
      progress.done();
    }
    await this.stopEmbeddedWorker();
    if (outcome.status === 'Failed') this.setExitCode(ExitCode.FAILED);
    if (!this.jsonEnabled()) {
      const c = stdoutColors();
      if (outcome.status === 'Completed') this.log(`${c.green('deleted')} ${started.name}`);
      else this.log(`${c.red('delete failed')} ${started.name}: ${outcome.error ?? 'unknown error'}`);
    }
    return { ...started, ...outcome };
  }
}
