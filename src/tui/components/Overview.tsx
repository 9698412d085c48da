/**
 * The overview screen: counts by status, queue depths, live workers (with a warning naming the
 * orchestrations no running worker knows), throughput over the last minutes (from successive
 * metrics samples) and the latest failures.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { decodeOutput } from '../../engine/management.js';
import type { InstanceInfo, SystemMetrics } from '../../core/provider.js';
import { fit, formatAge, formatCount, showValue, sparkline, truncate } from '../format.js';
import type { UnrunnableWork } from '../../engine/workers.js';
import type { MetricsData, OverviewData } from '../hooks/use-metrics.js';
import { statusColour } from '../theme.js';
import type { Theme } from '../theme.js';
import { recentRates, throughputBuckets } from '../throughput.js';
import { LabelledRow, LABEL_WIDTH } from './LabelledRow.js';

/** Throughput chart: buckets of this many ms… */
export const BUCKET_MS = 10_000;
/** …covering five minutes. */
export const BUCKETS = 30;

export interface OverviewProps {
  readonly storeLabel: string;
  readonly metrics: MetricsData | undefined;
  readonly overview: OverviewData | undefined;
  readonly error: Error | undefined;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

function StatusBars({
  m,
  schedules,
  width,
  theme,
}: {
  readonly m: SystemMetrics;
  readonly schedules: number;
  readonly width: number;
  readonly theme: Theme;
}) {
  const rows: [string, number][] = [
    ['Running', m.runningInstances],
    ['Completed', m.completedInstances],
    ['Failed', m.failedInstances],
    // Each schedule's own instance runs as long as the schedule exists: not "running" work.
    ...(schedules > 0 ? [['Schedules', schedules] as [string, number]] : []),
  ];
  const barWidth = Math.max(0, Math.min(40, width - LABEL_WIDTH - 14));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <>
      {rows.map(([status, n]) => (
        <Text key={status} wrap="truncate">
          {'  '}
          {fit(status, LABEL_WIDTH - 2)}
          {fit(formatCount(n), 9, 'right')}{' '}
          <Text color={theme.c(statusColour(status))}>
            {'█'.repeat(n === 0 ? 0 : Math.max(1, Math.round((n / max) * barWidth)))}
          </Text>
        </Text>
      ))}
    </>
  );
}

/** `Helo (1), Hello@9.9.9 (2)`: unknown orchestrations with their instance counts. */
function unknownText(w: UnrunnableWork): string {
  return w.orchestrations
    .map(
      (o) =>
        `${o.version === null ? o.name : `${o.name}@${o.version}`} (${o.instances}${w.complete ? '' : '+'})`,
    )
    .join(', ');
}

function failureText(row: InstanceInfo): string {
  const decoded = decodeOutput(row.status, row.output);
  return `✗ ${showValue(decoded.output ?? 'failed')}`;
}

export function Overview({
  storeLabel,
  metrics,
  overview,
  error,
  now,
  width,
  height,
  theme,
}: OverviewProps): ReactElement {
  const m = metrics?.metrics;
  const samples = metrics?.samples ?? [];
  const buckets = throughputBuckets(samples, metrics?.at ?? now, BUCKET_MS, BUCKETS);
  const rates = recentRates(samples, BUCKET_MS);
  const peak = Math.max(0, ...buckets);
  // `null`: the store keeps no worker registry, so the row is left out.
  const workers = overview?.workers;
  const unknown = workers && workers.orchestrations.length > 0 ? unknownText(workers) : null;
  const schedules = metrics?.runningSchedules ?? 0;
  const failuresRoom = Math.max(
    0,
    height - 11 - (workers === null ? 0 : 1) - (unknown ? 1 : 0) - (m && schedules > 0 ? 1 : 0),
  );
  const failures = (overview?.failures ?? []).slice(0, failuresRoom);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <LabelledRow label="Store">{truncate(storeLabel, width - LABEL_WIDTH)}</LabelledRow>
      {m ? (
        <>
          <LabelledRow label="Instances">
            {formatCount(m.totalInstances)} total · {formatCount(m.totalExecutions)} executions ·{' '}
            {formatCount(m.totalEvents)} events
          </LabelledRow>
          <StatusBars m={m} schedules={schedules} width={width} theme={theme} />
        </>
      ) : (
        <Text color={theme.c('gray')}>
          {error ? `cannot read metrics: ${error.message}` : 'reading metrics…'}
        </Text>
      )}
      <LabelledRow label="Queues">
        {overview
          ? `orchestrator ${formatCount(overview.queues.orchestratorQueue)} · worker ${formatCount(
              overview.queues.workerQueue,
            )} · timers ${formatCount(overview.queues.timerQueue)}`
          : '…'}
      </LabelledRow>
      {workers === null ? null : (
        <LabelledRow label="Workers">
          {workers ? `${formatCount(workers.workers.length)} live` : '…'}
        </LabelledRow>
      )}
      {unknown ? (
        <Text wrap="truncate" color={theme.c('yellow')}>
          {'  '}⚠ no running worker knows {unknown}
        </Text>
      ) : null}
      <LabelledRow label="Throughput">
        {rates
          ? `${rates.finishedPerSec.toFixed(1)}/s finished · ${rates.startedPerSec.toFixed(1)}/s started`
          : 'measuring…'}
        <Text color={theme.c('gray')}> (completions per 10s, last 5m)</Text>
      </LabelledRow>
      <Text wrap="truncate">
        {'  '}
        <Text color={theme.c('gray')}>-5m </Text>
        <Text color={theme.c('green')}>{sparkline(buckets)}</Text>
        <Text color={theme.c('gray')}> now · peak {formatCount(peak)}/10s</Text>
      </Text>
      <Text> </Text>
      <Text bold>Latest failures</Text>
      {overview === undefined ? (
        <Text color={theme.c('gray')}>{'  …'}</Text>
      ) : failures.length === 0 ? (
        <Text color={theme.c('gray')}>{'  none'}</Text>
      ) : (
        failures.map((row) => (
          <Text key={row.instanceId} wrap="truncate">
            {'  '}
            {fit(row.instanceId, 24)} {fit(row.orchestrationName, 18)} {fit(formatAge(row.updatedAt, now), 8)}{' '}
            <Text color={theme.c('red')}>{truncate(failureText(row), Math.max(0, width - 56))}</Text>
          </Text>
        ))
      )}
    </Box>
  );
}
