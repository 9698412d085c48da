/**
 * Store-wide counts on every refresh (the header shows them on every screen) and the samples
 * the overview turns into throughput. Schedules' own instances (`schedule:<id>`, running as long
 * as the schedule exists) are counted apart: "running" means the user's orchestrations.
 */
import { useRef } from 'react';
import type { QueueDepths, SystemMetrics } from '../../core/provider.js';
import type { InstanceInfo } from '../../core/provider.js';
import type { UnrunnableWork } from '../../engine/workers.js';
import type { TuiClient } from '../client.js';
import { RUNNING_SCHEDULES } from '../../engine/schedules/schedule-orchestration.js';
import { withoutScheduleWork } from '../schedules.js';
import { addSample, sampleOf } from '../throughput.js';
import type { MetricsSample } from '../throughput.js';
import { usePoll } from './use-poll.js';
import type { Polled } from './use-poll.js';

/** Samples older than this are dropped (the chart shows the last five minutes). */
export const SAMPLE_WINDOW_MS = 5 * 60_000;

export interface MetricsData {
  /** The store's counts, `runningInstances` without the schedules' instances. */
  readonly metrics: SystemMetrics;
  /** Running schedule instances (one per schedule, paused or not). */
  readonly runningSchedules: number;
  readonly samples: readonly MetricsSample[];
  readonly at: number;
}

export function useMetrics(
  client: TuiClient,
  refreshMs: number,
  refreshToken: number,
  now: () => number,
): Polled<MetricsData> {
  const samples = useRef<MetricsSample[]>([]);
  return usePoll(
    async () => {
      const [store, runningSchedules] = await Promise.all([
        client.getSystemMetrics(),
        client.countInstances(RUNNING_SCHEDULES),
      ]);
      const metrics = {
        ...store,
        runningInstances: Math.max(0, store.runningInstances - runningSchedules),
      };
      const at = now();
      samples.current = addSample(samples.current, sampleOf(metrics, at), SAMPLE_WINDOW_MS);
      return { metrics, runningSchedules, samples: samples.current, at };
    },
    [client, refreshToken],
    { intervalMs: refreshMs },
  );
}

export interface OverviewData {
  readonly queues: QueueDepths;
  /** The latest failed instances (one small page). */
  readonly failures: readonly InstanceInfo[];
  /**
   * Live workers and the orchestrations none of them knows (the built-in schedule orchestration
   * left out); `null` without a worker registry.
   */
  readonly workers: UnrunnableWork | null;
}

export const OVERVIEW_FAILURES = 5;

/** Queue depths, the latest failures and the live workers, while the overview is shown. */
export function useOverview(
  client: TuiClient,
  refreshMs: number,
  refreshToken: number,
  enabled: boolean,
): Polled<OverviewData> {
  return usePoll(
    async () => {
      const [queues, failures, workers] = await Promise.all([
        client.getQueueDepths(),
        client.listInstances({
          status: 'Failed',
          orderBy: 'updatedAt',
          descending: true,
          limit: OVERVIEW_FAILURES,
        }),
        client.getUnrunnableWork(),
      ]);
      return { queues, failures, workers: withoutScheduleWork(workers) };
    },
    [client, refreshToken],
    { intervalMs: refreshMs, enabled },
  );
}
