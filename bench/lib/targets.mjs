/**
 * The goals each workload is judged against, per provider (issue 17's table, for the runtime's
 * default options on the 2-core reference machine). A workload may have several goals; the
 * first is its headline figure. `meets_target` is only judged at the full sizes.
 *
 * `metric` names a field of the result line. `commits_per_step` is the store's durable write
 * commits per activity step (see cost.mjs); it applies to every workload that runs activities.
 */
const COMMITS = { metric: 'commits_per_step', op: '<=', value: 1.5, unit: 'commits/step' };

const both = (goals) => ({ sqlite: goals, postgres: goals });

export const TARGETS = {
  sequential: {
    sqlite: [{ metric: 'throughput', op: '>=', value: 5000, unit: 'activities/s' }, COMMITS],
    postgres: [{ metric: 'throughput', op: '>=', value: 2000, unit: 'activities/s' }, COMMITS],
  },
  latency: {
    sqlite: [{ metric: 'p50_ms', op: '<=', value: 3, unit: 'ms' }, COMMITS],
    postgres: [{ metric: 'p50_ms', op: '<=', value: 10, unit: 'ms' }, COMMITS],
  },
  fanout: {
    sqlite: [{ metric: 'p50_ms', op: '<=', value: 100, unit: 'ms' }, COMMITS],
    postgres: [{ metric: 'p50_ms', op: '<=', value: 300, unit: 'ms' }, COMMITS],
  },
  // Per-step latency near step 2,000 over that near step 10: long histories stay flat.
  long: both([{ metric: 'late_early_ratio', op: '<=', value: 1.5, unit: 'x' }, COMMITS]),
  // 10,000 instances started at once must complete (checked, else the workload fails); the
  // total time is reported, not judged.
  scale: both([COMMITS]),
  replay: both([{ metric: 'p50_ms', op: '<=', value: 100, unit: 'ms' }]),
};

/** The goals of workload `name` on `provider`. */
export function targetsFor(name, provider) {
  return TARGETS[name]?.[provider] ?? TARGETS[name]?.sqlite ?? [];
}

/** Whether `line` meets `target` (false when the figure is missing). */
export function meets(target, line) {
  const actual = line[target.metric];
  if (typeof actual !== 'number' || !Number.isFinite(actual)) return false;
  return target.op === '>=' ? actual >= target.value : actual <= target.value;
}
