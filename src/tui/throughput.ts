/**
 * Throughput from successive `getSystemMetrics()` samples: the store keeps counts, not
 * rates, so the overview samples finished instances (completed + failed) on every refresh and
 * turns the differences into completions per interval.
 */
import type { SystemMetrics } from '../core/provider.js';

/** One reading of the store-wide counts. */
export interface MetricsSample {
  /** Epoch ms of the reading. */
  at: number;
  /** Completed + failed instances. */
  finished: number;
  /** All instances. */
  total: number;
}

export function sampleOf(metrics: SystemMetrics, at: number): MetricsSample {
  return {
    at,
    finished: metrics.completedInstances + metrics.failedInstances,
    total: metrics.totalInstances,
  };
}

/** The samples with `sample` appended, dropping those older than `keepMs` (one older is kept as a base). */
export function addSample(
  samples: readonly MetricsSample[],
  sample: MetricsSample,
  keepMs: number,
): MetricsSample[] {
  const next = [...samples, sample];
  const cutoff = sample.at - keepMs;
  let first = 0;
  while (first + 1 < next.length && next[first + 1]!.at <= cutoff) first++;
  return next.slice(first);
}

/**
 * Completions per bucket, oldest first: `count` buckets of `bucketMs` ending at `now`. Each
 * increase between two samples counts in the bucket of the later one; decreases (deleted
 * instances) count as zero.
 */
export function throughputBuckets(
  samples: readonly MetricsSample[],
  now: number,
  bucketMs: number,
  count: number,
): number[] {
  const buckets = new Array<number>(Math.max(0, count)).fill(0);
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const index = count - 1 - Math.floor(Math.max(0, now - b.at) / bucketMs);
    if (index < 0 || index >= count) continue;
    buckets[index]! += Math.max(0, b.finished - a.finished);
  }
  return buckets;
}

/** Completions and starts per second over the last `windowMs` (null until two samples span it). */
export function recentRates(
  samples: readonly MetricsSample[],
  windowMs: number,
): { finishedPerSec: number; startedPerSec: number } | null {
  if (samples.length < 2) return null;
  const last = samples[samples.length - 1]!;
  let first = samples.length - 2;
  while (first > 0 && last.at - samples[first - 1]!.at <= windowMs) first--;
  const base = samples[first]!;
  const seconds = (last.at - base.at) / 1000;
  if (seconds <= 0) return null;
  let finished = 0;
  let started = 0;
  for (let i = first + 1; i < samples.length; i++) {
    finished += Math.max(0, samples[i]!.finished - samples[i - 1]!.finished);
    started += Math.max(0, samples[i]!.total - samples[i - 1]!.total);
  }
  return { finishedPerSec: finished / seconds, startedPerSec: started / seconds };
}
