import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { durationFlag, integerFlag } from '../../cli/flags.js';
import { readMetrics, renderMetricsSample, watchMetrics } from '../../cli/metrics.js';
import type { MetricsSample } from '../../cli/metrics.js';

export default class Metrics extends BaseCommand<typeof Metrics> {
  static override summary = 'Show store-wide metrics and queue depths';
  static override description =
    'Instance counts by status, executions and events stored, the orchestrator, worker and timer queue depths, and (on stores with a worker registry) the live workers with what each runs, and the orchestrations of waiting or running instances that no running worker knows. With --watch: redraws every --interval on a terminal, prints a line per tick otherwise, and with --json writes one JSON document per line per tick; stops on Ctrl+C or after --count ticks.';
  static override examples = [
    '<%= config.bin %> metrics',
    '<%= config.bin %> metrics --watch',
    '<%= config.bin %> metrics --watch --json --interval 5s | tee metrics.jsonl',
  ];
  static override flags = {
    watch: Flags.boolean({ char: 'w', description: 'Keep refreshing' }),
    interval: durationFlag({
      description: 'Time between refreshes with --watch',
      default: 1000,
      defaultHelp: async () => '1s',
    }),
    count: integerFlag({ min: 1 })({
      description: 'With --watch: stop after this many ticks',
      dependsOn: ['watch'],
    }),
  };

  async run(): Promise<MetricsSample | undefined> {
    const client = await this.client();
    if (!this.flags.watch) {
      const sample = await readMetrics(client);
      if (!this.jsonEnabled()) this.log(renderMetricsSample(sample));
      return sample;
    }
    await watchMetrics(client, {
      intervalMs: this.flags.interval,
      ...(this.flags.count === undefined ? {} : { count: this.flags.count }),
      mode: this.jsonEnabled() ? 'jsonl' : process.stdout.isTTY ? 'redraw' : 'lines',
    });
    return undefined;
  }
}
