/**
 * Human renderings of orchestration results (the `--json` documents are the values themselves).
 */
import type { ErrorDetails } from '../core/failure.js';
import type { InstanceInfoView } from '../engine/management.js';
import type { InstanceInfo } from '../core/provider.js';
import { colorStatus, formatTime, keyValues, stdoutColors, table } from './output.js';
import type { OrchestrationOutcome } from './wait.js';

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function pretty(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.includes('\n') ? `\n${text.replace(/^/gm, '  ')}` : text;
}

/** `application / ActivityFailed`, `poison`, … */
export function failureKind(details: ErrorDetails): string {
  return 'kind' in details ? `${details.category} / ${details.kind}` : details.category;
}

/** The end of a waited-for orchestration. */
export function printOutcome(outcome: OrchestrationOutcome): void {
  const c = stdoutColors();
  print(
    keyValues(
      [
        ['instance', outcome.instanceId],
        [
          'orchestration',
          outcome.orchestrationName === null
            ? undefined
            : `${outcome.orchestrationName}${outcome.orchestrationVersion ? ` ${outcome.orchestrationVersion}` : ''}`,
        ],
        ['status', colorStatus(c, outcome.status)],
        ['output', outcome.status === 'Completed' ? pretty(outcome.output) : undefined],
        ['error', outcome.error === undefined ? undefined : c.red(outcome.error)],
        ['custom status', outcome.customStatus],
      ],
      c,
    ),
  );
}

/** `orchestration status`. */
export function printInstance(info: InstanceInfoView & { warning?: string }): void {
  const c = stdoutColors();
  print(
    keyValues(
      [
        ['instance', info.instanceId],
        ['orchestration', `${info.orchestrationName} ${info.orchestrationVersion ?? ''}`.trim()],
        ['status', colorStatus(c, info.status)],
        ['execution', String(info.currentExecutionId)],
        ['created', formatTime(info.createdAt)],
        ['updated', formatTime(info.updatedAt)],
        ['parent', info.parentInstanceId],
        ['custom status', info.customStatus],
        [
          'output',
          info.status === 'Completed' || info.status === 'ContinuedAsNew' ? pretty(info.output) : undefined,
        ],
        ['error', info.status === 'Failed' ? c.red(String(info.output)) : undefined],
        ['failure', info.failureDetails ? failureKind(info.failureDetails) : undefined],
        ['warning', info.warning === undefined ? undefined : c.yellow(info.warning)],
      ],
      c,
    ),
  );
}

/** `orchestration list`. */
export function printInstanceTable(
  instances: Omit<InstanceInfo, 'output' | 'customStatusVersion'>[],
  total: number,
): void {
  const c = stdoutColors();
  if (instances.length === 0) {
    print(c.dim('no instances'));
    return;
  }
  print(
    table(
      ['INSTANCE', 'ORCHESTRATION', 'VERSION', 'STATUS', 'EXEC', 'CREATED', 'UPDATED'],
      instances.map((i) => [
        i.instanceId,
        i.orchestrationName,
        i.orchestrationVersion ?? '-',
        colorStatus(c, i.status),
        String(i.currentExecutionId),
        formatTime(i.createdAt),
        formatTime(i.updatedAt),
      ]),
      c,
    ),
  );
  if (total > instances.length) print(c.dim(`${instances.length} of ${total} shown (use --limit)`));
}
