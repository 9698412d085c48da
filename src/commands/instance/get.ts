import { Args } from '@oclif/core';
import { formatTime, keyValues, stdoutColors } from '../../cli/output.js';
import { healthText, stateText } from '../../cli/toygres/format.js';
import { InstanceCommand } from '../../cli/toygres/instance-command.js';
import { getInstance } from '../../toygres/control-plane.js';
import type { InstanceDetails, OrchestrationRef } from '../../toygres/control-plane.js';

function orchestrationText(ref: OrchestrationRef | null): string | undefined {
  if (!ref) return undefined;
  const extra = ref.customStatus ?? ref.error;
  return `${ref.instanceId} ${ref.status}${extra ? ` · ${extra}` : ''}`;
}

export default class InstanceGet extends InstanceCommand<typeof InstanceGet> {
  static override summary = 'Show a PostgreSQL instance';
  static override description =
    'State (with the failure reason), health, connection (password masked), its orchestrations and state changes. Exit code 3 when unknown.';
  static override examples = [
    '<%= config.bin %> instance get demo',
    '<%= config.bin %> instance get demo --json',
  ];
  static override args = {
    name: Args.string({ description: 'Instance name', required: true }),
  };

  async run(): Promise<InstanceDetails> {
    const details = await getInstance(await this.controlPlane(), this.args.name);
    if (!this.jsonEnabled()) {
      const c = stdoutColors();
      const latency = details.latencyMs === null ? '' : ` (${details.latencyMs.toFixed(1)} ms)`;
      this.log(
        keyValues(
          [
            ['name', c.bold(details.name)],
            ['state', stateText(c, details.state)],
            ['reason', details.state === 'failed' ? (details.stateMessage ?? undefined) : undefined],
            ['health', `${healthText(c, details.health)}${latency}`],
            [
              'checked',
              details.lastHealthCheckAt === null ? undefined : formatTime(details.lastHealthCheckAt),
            ],
            ['connection', details.connectionString ?? undefined],
            ['server', details.serverVersion ?? undefined],
            [
              'platform',
              details.platform === 'kubernetes' ? `kubernetes (namespace ${details.namespace})` : 'local',
            ],
            ['version', details.postgresVersion],
            ['storage', `${details.storageGb} GB`],
            ['create', orchestrationText(details.status.create) ?? details.orchestrations.create],
            ['actor', orchestrationText(details.status.actor)],
            ['delete', orchestrationText(details.status.delete)],
            ['created', formatTime(details.createdAt)],
            ['updated', formatTime(details.updatedAt)],
            ['deleted', details.deletedAt === null ? undefined : formatTime(details.deletedAt)],
          ],
          c,
        ),
      );
      if (details.events.length > 0) {
        this.log(`\n${c.bold('events')}`);
        for (const e of details.events) {
          const change = e.kind === 'state_change' ? `${e.oldState ?? '∅'} → ${e.newState}` : 'note';
          this.log(`  ${c.dim(formatTime(e.at))} ${change}${e.message ? `: ${e.message}` : ''}`);
        }
      }
    }
    return details;
  }
}
