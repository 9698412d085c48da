import { Args } from '@oclif/core';
import { formatTime, keyValues, stdoutColors, table } from '../../cli/output.js';
import { healthText, stateText } from '../../cli/toygres/format.js';
import { integerFlag } from '../../cli/flags.js';
import { InstanceCommand } from '../../cli/toygres/instance-command.js';
import { instanceHealth } from '../../toygres/control-plane.js';
import type { HealthReport } from '../../toygres/control-plane.js';

export default class InstanceHealth extends InstanceCommand<typeof InstanceHealth> {
  static override summary = 'Show the health of a PostgreSQL instance and its recent checks';
  static override description =
    'The latest health and latency (connect + SELECT version(), measured by the health-check activity), the health monitor (actor) status, and the recent checks, newest first.';
  static override examples = [
    '<%= config.bin %> instance health demo',
    '<%= config.bin %> instance health demo --limit 5 --json',
  ];
  static override args = {
    name: Args.string({ description: 'Instance name', required: true }),
  };
  static override flags = {
    limit: integerFlag({ min: 1, max: 1000 })({ description: 'Checks to show', default: 20 }),
  };

  async run(): Promise<HealthReport> {
    const report = await instanceHealth(await this.controlPlane(), this.args.name, {
      limit: this.flags.limit,
    });
    if (!this.jsonEnabled()) {
      const c = stdoutColors();
      this.log(
        keyValues(
          [
            ['name', c.bold(report.name)],
            ['state', stateText(c, report.state)],
            ['health', healthText(c, report.health)],
            ['latency', report.latencyMs === null ? undefined : `${report.latencyMs.toFixed(1)} ms`],
            ['checked', report.lastHealthCheckAt === null ? undefined : formatTime(report.lastHealthCheckAt)],
            ['monitor', report.actor ? `${report.actor.instanceId} ${report.actor.status}` : 'not running'],
          ],
          c,
        ),
      );
      if (report.checks.length > 0) {
        this.log('');
        this.log(
          table(
            ['CHECKED', 'STATUS', 'LATENCY', 'DETAIL'],
            report.checks.map((check) => [
              formatTime(check.checkedAt),
              healthText(c, check.status),
              check.latencyMs === null ? '-' : `${check.latencyMs.toFixed(1)} ms`,
              check.error ?? check.serverVersion ?? '',
            ]),
            c,
          ),
        );
      }
    }
    return report;
  }
}
