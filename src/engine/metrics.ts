/**
 * In-process counters of a runtime (`runtime.metricsSnapshot()`), with duroxide-node's field
 * names.
 */

export interface MetricsSnapshot {
  orchStarts: number;
  orchCompletions: number;
  orchFailures: number;
  orchApplicationErrors: number;
  orchInfrastructureErrors: number;
  orchConfigurationErrors: number;
  orchPoison: number;
  activitySuccess: number;
  activityAppErrors: number;
  activityInfraErrors: number;
  activityConfigErrors: number;
  activityPoison: number;
  orchDispatcherItemsFetched: number;
  workerDispatcherItemsFetched: number;
  orchContinueAsNew: number;
  suborchestrationCalls: number;
  providerErrors: number;
}

export type MetricName = keyof MetricsSnapshot;

/** Mutable counters; `snapshot()` copies them. */
export class Metrics {
  private readonly counters: MetricsSnapshot = {
    orchStarts: 0,
    orchCompletions: 0,
    orchFailures: 0,
    orchApplicationErrors: 0,
    orchInfrastructureErrors: 0,
    orchConfigurationErrors: 0,
    orchPoison: 0,
    activitySuccess: 0,
    activityAppErrors: 0,
    activityInfraErrors: 0,
    activityConfigErrors: 0,
    activityPoison: 0,
    orchDispatcherItemsFetched: 0,
    workerDispatcherItemsFetched: 0,
    orchContinueAsNew: 0,
    suborchestrationCalls: 0,
    providerErrors: 0,
  };

  increment(name: MetricName, by = 1): void {
    this.counters[name] += by;
  }

  snapshot(): MetricsSnapshot {
    return { ...this.counters };
  }
}
