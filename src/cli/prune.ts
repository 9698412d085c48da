/**
 * `durox prune`: deletes old executions of continue-as-new chains and terminal instances older
 * than a cutoff; `--dry-run` counts the same with read queries only.
 */
import type { Client } from '../engine/client.js';
import type { InstanceInfo, PruneOptions } from '../core/provider.js';

/** What to prune (durations already turned into epoch-ms cutoffs). */
export interface PrunePlan {
  instanceId?: string;
  /** Keep this many most recent executions per instance (the current one always stays). */
  keepLast?: number;
  /** Prune executions that completed before this time. */
  executionsCompletedBefore?: number;
  /** Delete terminal root instances (with their sub-orchestrations) that ended before this time. */
  instancesCompletedBefore?: number;
  dryRun: boolean;
}

/** `--json` document of `prune`. */
export interface PruneReport {
  dryRun: boolean;
  instanceId: string | null;
  /** The cutoffs applied, as ISO times. */
  cutoffs: { executionsCompletedBefore: string | null; instancesCompletedBefore: string | null };
  keepLast: number | null;
  /** Execution pruning (null when not asked for). */
  executions: { instancesProcessed: number; executionsDeleted: number; eventsDeleted: number } | null;
  /** Instance deletion (null when not asked for). Queue messages are not counted by --dry-run. */
  instances: {
    instancesDeleted: number;
    executionsDeleted: number;
    eventsDeleted: number;
    queueMessagesDeleted?: number;
  } | null;
}

const BATCH = 1000;

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** Every instance, paged (or just one). */
async function eachInstance(client: Client, instanceId: string | undefined): Promise<InstanceInfo[]> {
  if (instanceId !== undefined) {
    const info = await client.findInstance(instanceId);
    return info ? [info] : [];
  }
  const all: InstanceInfo[] = [];
  for (let offset = 0; ; offset += BATCH) {
    const page = await client.listInstances({
      orderBy: 'createdAt',
      descending: false,
      limit: BATCH,
      offset,
    });
    all.push(...page);
    if (page.length < BATCH) return all;
  }
}

/** Executions of one instance the prune would delete (the provider's rules), with their event counts. */
async function prunableExecutions(
  client: Client,
  info: InstanceInfo,
  options: PruneOptions,
): Promise<number[]> {
  if (info.currentExecutionId <= 1) return [];
  const ids = await client.listExecutions(info.instanceId);
  const keep = new Set(ids.slice(-Math.max(options.keepLast ?? 1, 1)));
  const counts: number[] = [];
  for (const id of ids) {
    if (id >= info.currentExecutionId || keep.has(id)) continue;
    const exec = await client.findExecution(info.instanceId, id);
    if (!exec || exec.status === 'Running') continue;
    const cutoff = options.completedBefore;
    if (cutoff !== undefined && !(exec.completedAt !== null && exec.completedAt < cutoff)) continue;
    counts.push(exec.eventCount);
  }
  return counts;
}

/** Terminal roots the deletion would take. */
async function deletableRoots(
  client: Client,
  plan: PrunePlan,
  instances: InstanceInfo[],
): Promise<InstanceInfo[]> {
  const roots: InstanceInfo[] = [];
  for (const info of instances) {
    if (info.parentInstanceId !== null || (info.status !== 'Completed' && info.status !== 'Failed')) continue;
    const exec = await client.findExecution(info.instanceId, info.currentExecutionId);
    if (exec?.completedAt != null && exec.completedAt < plan.instancesCompletedBefore!) roots.push(info);
  }
  return roots;
}

async function dryRun(client: Client, plan: PrunePlan, report: PruneReport): Promise<void> {
  const instances = await eachInstance(client, plan.instanceId);
  const deleted = new Set<string>();
  if (report.instances) {
    for (const root of await deletableRoots(client, plan, instances)) {
      const tree = await client.getInstanceTree(root.instanceId);
      for (const id of tree.allIds) {
        deleted.add(id);
        report.instances.instancesDeleted += 1;
        for (const executionId of await client.listExecutions(id)) {
          const exec = await client.findExecution(id, executionId);
          report.instances.executionsDeleted += 1;
          report.instances.eventsDeleted += exec?.eventCount ?? 0;
        }
      }
    }
  }
  if (report.executions) {
    const options = pruneOptions(plan);
    for (const info of instances) {
      if (deleted.has(info.instanceId)) continue;
      const counts = await prunableExecutions(client, info, options);
      if (counts.length === 0) continue;
      report.executions.instancesProcessed += 1;
      report.executions.executionsDeleted += counts.length;
      report.executions.eventsDeleted += counts.reduce((a, b) => a + b, 0);
    }
  }
}

function pruneOptions(plan: PrunePlan): PruneOptions {
  return {
    ...(plan.keepLast === undefined ? {} : { keepLast: plan.keepLast }),
    ...(plan.executionsCompletedBefore === undefined
      ? {}
      : { completedBefore: plan.executionsCompletedBefore }),
  };
}

async function execute(client: Client, plan: PrunePlan, report: PruneReport): Promise<void> {
  if (report.instances) {
    const filter = {
      completedBefore: plan.instancesCompletedBefore!,
      limit: BATCH,
      ...(plan.instanceId === undefined ? {} : { instanceIds: [plan.instanceId] }),
    };
    for (;;) {
      const r = await client.deleteInstanceBulk(filter);
      report.instances.instancesDeleted += r.instancesDeleted;
      report.instances.executionsDeleted += r.executionsDeleted;
      report.instances.eventsDeleted += r.eventsDeleted;
      report.instances.queueMessagesDeleted =
        (report.instances.queueMessagesDeleted ?? 0) + r.queueMessagesDeleted;
      if (r.instancesDeleted === 0 || plan.instanceId !== undefined) break;
    }
  }
  if (report.executions) {
    const options = pruneOptions(plan);
    if (plan.instanceId !== undefined) {
      // The instance may just have been deleted above.
      if (!(await client.findInstance(plan.instanceId))) return;
      const r = await client.pruneExecutions(plan.instanceId, options);
      report.executions.instancesProcessed += r.executionsDeleted > 0 ? 1 : 0;
      report.executions.executionsDeleted += r.executionsDeleted;
      report.executions.eventsDeleted += r.eventsDeleted;
      return;
    }
    for (;;) {
      const r = await client.pruneExecutionsBulk({ limit: BATCH }, options);
      report.executions.instancesProcessed += r.instancesProcessed;
      report.executions.executionsDeleted += r.executionsDeleted;
      report.executions.eventsDeleted += r.eventsDeleted;
      if (r.instancesProcessed < BATCH) break;
    }
  }
}

/** Runs (or, with `dryRun`, counts) a prune. */
export async function prune(client: Client, plan: PrunePlan): Promise<PruneReport> {
  const wantsExecutions = plan.keepLast !== undefined || plan.executionsCompletedBefore !== undefined;
  const report: PruneReport = {
    dryRun: plan.dryRun,
    instanceId: plan.instanceId ?? null,
    cutoffs: {
      executionsCompletedBefore: iso(plan.executionsCompletedBefore),
      instancesCompletedBefore: iso(plan.instancesCompletedBefore),
    },
    keepLast: plan.keepLast ?? null,
    executions: wantsExecutions ? { instancesProcessed: 0, executionsDeleted: 0, eventsDeleted: 0 } : null,
    instances:
      plan.instancesCompletedBefore === undefined
        ? null
        : { instancesDeleted: 0, executionsDeleted: 0, eventsDeleted: 0 },
  };
  if (plan.dryRun) await dryRun(client, plan, report);
  else await execute(client, plan, report);
  return report;
}
