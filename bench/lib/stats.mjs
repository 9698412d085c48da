/**
 * Small measurement helpers shared by the workloads.
 */
import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile of `values` (p in 0..100); NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Rounds to `digits` decimals (keeps JSON lines readable without hiding magnitudes). */
export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs() {
  return performance.now();
}

/**
 * CPU time (user + system, all threads of this process) since `start` (a process.cpuUsage()
 * value), in ms. Less sensitive than wall time to other processes competing for the cores.
 */
export function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb() {
  // maxRSS is in kilobytes on every platform Node supports.
  const fromKernel = process.resourceUsage().maxRSS / 1024;
  return Math.max(fromKernel, rssSampler.peakBytes / (1024 * 1024));
}

/** Samples `process.memoryUsage.rss()` as a cross-check of the kernel's maxRSS. */
const rssSampler = {
  peakBytes: 0,
  timer: undefined,
  start(intervalMs = 20) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  },
  sample() {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakBytes) this.peakBytes = rss;
  },
  stop() {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sample();
  },
};

export { rssSampler };
