import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CliError, usageError } from '../../cli/errors.js';
import { durationFlag, integerFlag } from '../../cli/flags.js';
import { instanceId, validate } from '../../cli/input.js';
import { keyValues, stdoutColors } from '../../cli/output.js';
import { prune } from '../../cli/prune.js';
import type { PruneReport } from '../../cli/prune.js';

export default class Prune extends BaseCommand<typeof Prune> {
  static override summary = 'Delete old executions and old finished instances';
  static override description = `Two kinds of cleanup, combinable:
- executions: --keep-last <n> and/or --completed-before <duration> delete old executions of continue-as-new chains (the current execution, running ones and the newest n are always kept; KV state stays);
- instances: --delete-terminal-older-than <duration> deletes Completed/Failed root instances (with their sub-orchestrations) that ended longer ago than that.
--instance limits both to one instance. --dry-run counts what would go, using read queries only, and writes nothing.`;
  static override examples = [
    '<%= config.bin %> prune --keep-last 3',
    '<%= config.bin %> prune --completed-before 7d --delete-terminal-older-than 30d --dry-run',
    '<%= config.bin %> prune --instance monitor-1 --keep-last 1 --json',
  ];
  static override flags = {
    instance: Flags.string({ description: 'Only this instance', helpValue: '<id>' }),
    'keep-last': integerFlag({ min: 0 })({
      description: 'Keep the newest n executions of each instance (including the current one)',
    }),
    'completed-before': durationFlag({
      description: 'Prune executions that completed longer ago than this (e.g. 7d, 12h, 30m)',
    }),
    'delete-terminal-older-than': durationFlag({
      description: 'Delete Completed/Failed root instances that ended longer ago than this',
    }),
    'dry-run': Flags.boolean({ description: 'Count what would be deleted; write nothing' }),
  };

  async run(): Promise<PruneReport> {
    const { flags } = this;
    if (
      flags['keep-last'] === undefined &&
      flags['completed-before'] === undefined &&
      flags['delete-terminal-older-than'] === undefined
    ) {
      throw usageError(
        'nothing to prune',
        'pass --keep-last, --completed-before and/or --delete-terminal-older-than (add --dry-run to preview)',
      );
    }
    const id = flags.instance === undefined ? undefined : validate(instanceId, flags.instance, '--instance');
    const now = Date.now();
    const client = await this.client();
    if (id !== undefined && !(await client.findInstance(id))) {
      throw new CliError('NOT_FOUND', `instance '${id}' not found`);
    }
    const report = await prune(client, {
      ...(id === undefined ? {} : { instanceId: id }),
      ...(flags['keep-last'] === undefined ? {} : { keepLast: flags['keep-last'] }),
      ...(flags['completed-before'] === undefined
        ? {}
        : { executionsCompletedBefore: now - flags['completed-before'] }),
      ...(flags['delete-terminal-older-than'] === undefined
        ? {}
        : { instancesCompletedBefore: now - flags['delete-terminal-older-than'] }),
      dryRun: flags['dry-run'] === true,
    });
    if (!this.jsonEnabled()) this.log(render(report));
    return report;
  }
}

function render(r: PruneReport): string {
  const c = stdoutColors();
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const pairs: [string, string | undefined][] = [];
  if (r.executions) {
    pairs.push([
      'executions',
      `${verb} ${r.executions.executionsDeleted} execution(s) (${r.executions.eventsDeleted} events) of ${r.executions.instancesProcessed} instance(s)`,
    ]);
  }
  if (r.instances) {
    pairs.push([
      'instances',
      `${verb} ${r.instances.instancesDeleted} instance(s) (${r.instances.executionsDeleted} executions, ${r.instances.eventsDeleted} events)`,
    ]);
  }
  return `${r.dryRun ? c.yellow('dry run: nothing was deleted\n') : ''}${keyValues(pairs, c)}`;
}
