/**
 * Everything the detail screen shows about one instance: its info, executions, the shown
 * execution's history as a timeline, KV values and its sub-orchestration tree. Per-execution
 * and per-child details are read only for the panel that shows them, and at most a page of
 * them. The tree (one query per instance in it) is walked when an instance is opened and on
 * every refresh of the tree panel only; other panels reuse the last walk for its size.
 */
import { useRef } from 'react';
import type { ExecutionInfoView, InstanceInfoView, InstanceTree } from '../../engine/management.js';
import type { InstanceStatus } from '../../core/provider.js';
import type { TuiClient } from '../client.js';
import type { DetailPanel } from '../state.js';
import { buildTimeline } from '../timeline.js';
import type { TimelineRow } from '../timeline.js';
import { usePoll } from './use-poll.js';
import type { Polled } from './use-poll.js';

/** At most this many executions are detailed (newest first). */
export const EXECUTIONS_SHOWN = 20;
/** At most this many tree nodes are detailed (breadth first). */
export const TREE_NODES_SHOWN = 40;

export interface TreeNode {
  readonly instanceId: string;
  readonly depth: number;
  readonly orchestrationName: string;
  readonly status: InstanceStatus | 'NotFound';
  readonly customStatus?: string;
}

export interface DetailData {
  readonly instanceId: string;
  readonly executionKey: number | null;
  /** With `waitingOn` while the instance has not ended (the summary shows it instead of the output). */
  readonly info: InstanceInfoView;
  /** All execution ids, ascending. */
  readonly executionIds: readonly number[];
  /** The execution whose history is shown. */
  readonly shownExecution: number;
  readonly timeline: readonly TimelineRow[];
  readonly kv: readonly (readonly [string, string])[];
  /** Newest first; null unless the executions panel is shown. */
  readonly executions: readonly ExecutionInfoView[] | null;
  /** The instance and its descendants (breadth first); nodes null unless the tree panel is shown. */
  readonly tree: { readonly size: number; readonly nodes: readonly TreeNode[] | null };
}

async function treeNodes(client: TuiClient, rootId: string, ids: readonly string[]): Promise<TreeNode[]> {
  const shown = ids.slice(0, TREE_NODES_SHOWN);
  const infos = await Promise.all(shown.map((id) => client.getInstanceInfo(id).catch(() => null)));
  const depth = new Map<string, number>([[rootId, 0]]);
  return shown.map((instanceId, i) => {
    const info = infos[i];
    const d = instanceId === rootId ? 0 : (depth.get(info?.parentInstanceId ?? '') ?? 0) + 1;
    depth.set(instanceId, d);
    return {
      instanceId,
      depth: d,
      orchestrationName: info?.orchestrationName ?? '',
      status: info?.status ?? 'NotFound',
      ...(info?.customStatus === undefined ? {} : { customStatus: info.customStatus }),
    };
  });
}

export function useInstanceDetail(
  client: TuiClient,
  instanceId: string | undefined,
  executionId: number | null,
  panel: DetailPanel,
  refreshMs: number,
  refreshToken: number,
): Polled<DetailData> {
  const walked = useRef<InstanceTree | null>(null);
  return usePoll(
    async () => {
      const id = instanceId!;
      const cached = walked.current?.rootId === id && panel !== 'tree' ? walked.current : null;
      const [info, executionIds, kv, tree] = await Promise.all([
        client.getInstanceInfo(id),
        client.listExecutions(id),
        client.getKvAllValues(id),
        cached ?? client.getInstanceTree(id),
      ]);
      walked.current = tree;
      const shownExecution =
        executionId !== null && executionIds.includes(executionId) ? executionId : info.currentExecutionId;
      const [events, executions, nodes] = await Promise.all([
        client.readExecutionHistory(id, shownExecution),
        panel === 'executions'
          ? Promise.all(
              executionIds
                .slice(-EXECUTIONS_SHOWN)
                .reverse()
                .map((e) => client.getExecutionInfo(id, e)),
            )
          : Promise.resolve(null),
        panel === 'tree' ? treeNodes(client, id, tree.allIds) : Promise.resolve(null),
      ]);
      return {
        instanceId: id,
        executionKey: executionId,
        info,
        executionIds,
        shownExecution,
        timeline: buildTimeline(events),
        kv: Object.entries(kv).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        executions,
        tree: { size: tree.size, nodes },
      };
    },
    [client, instanceId, executionId, panel, refreshToken],
    { intervalMs: refreshMs, enabled: instanceId !== undefined },
  );
}

/** Number of selectable lines of a panel. */
export function panelLength(data: DetailData | undefined, panel: DetailPanel): number {
  if (!data) return 0;
  switch (panel) {
    case 'history':
      return data.timeline.length;
    case 'executions':
      return data.executions?.length ?? 0;
    case 'kv':
      return data.kv.length;
    case 'tree':
      return data.tree.nodes?.length ?? 0;
  }
}

/** What Enter opens on the selected line: a sub-orchestration or an execution's history. */
export function openTarget(
  data: DetailData | undefined,
  panel: DetailPanel,
  cursor: number,
): { kind: 'instance'; instanceId: string } | { kind: 'execution'; executionId: number } | null {
  if (!data) return null;
  if (panel === 'tree') {
    const node = data.tree.nodes?.[cursor];
    return node && node.instanceId !== data.instanceId
      ? { kind: 'instance', instanceId: node.instanceId }
      : null;
  }
  if (panel === 'executions') {
    const exec = data.executions?.[cursor];
    return exec ? { kind: 'execution', executionId: exec.executionId } : null;
  }
  if (panel === 'history') {
    const child = data.timeline[cursor]?.childInstanceId;
    return child ? { kind: 'instance', instanceId: child } : null;
  }
  return null;
}

/** The execution before (-1) or after (+1) the shown one, if any. */
export function neighbourExecution(data: DetailData | undefined, delta: -1 | 1): number | undefined {
  if (!data) return undefined;
  const at = data.executionIds.indexOf(data.shownExecution);
  return at < 0 ? undefined : data.executionIds[at + delta];
}
