/**
 * The detail screen of one instance: status, custom status, output or error (what it waits on
 * while it has not ended), then one panel at a time (Tab): the history timeline, executions, KV
 * values or the sub-orchestration tree.
 */
import { Box, Text } from 'ink';
import type { ReactElement, ReactNode } from 'react';
import type { ExecutionInfoView } from '../../engine/management.js';
import {
  fit,
  formatAge,
  formatCount,
  formatTime,
  formatWaitingOn,
  oneLine,
  showValue,
  truncate,
} from '../format.js';
import type { DetailData, TreeNode } from '../hooks/use-instance-detail.js';
import { DETAIL_PANELS } from '../state.js';
import type { DetailPanel, DetailState } from '../state.js';
import { statusColour } from '../theme.js';
import type { Theme } from '../theme.js';
import { HistoryTimeline } from './HistoryTimeline.js';
import { windowStart } from './window.js';

export interface InstanceDetailProps {
  readonly instanceId: string;
  readonly detail: DetailState;
  readonly data: DetailData | undefined;
  readonly error: Error | undefined;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** Lines above the panel. */
export const SUMMARY_LINES = 5;

const PANEL_TITLES: Record<DetailPanel, string> = {
  history: 'History',
  executions: 'Executions',
  kv: 'KV',
  tree: 'Tree',
};

function panelCount(data: DetailData, panel: DetailPanel): number {
  switch (panel) {
    case 'history':
      return data.timeline.length;
    case 'executions':
      return data.executionIds.length;
    case 'kv':
      return data.kv.length;
    case 'tree':
      return data.tree.size;
  }
}

interface ListProps<T> {
  readonly items: readonly T[];
  readonly cursor: number;
  readonly height: number;
  readonly line: (item: T) => ReactNode;
  readonly itemKey: (item: T) => string;
}

function List<T>({ items, cursor, height, line, itemKey }: ListProps<T>) {
  const start = windowStart(cursor, items.length, height);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {items.slice(start, start + height).map((item, i) => (
        <Text key={itemKey(item)} wrap="truncate" inverse={start + i === cursor} bold={start + i === cursor}>
          {start + i === cursor ? '› ' : '  '}
          {line(item)}
        </Text>
      ))}
    </Box>
  );
}

function ExecutionLine({
  e,
  data,
  now,
  theme,
}: {
  e: ExecutionInfoView;
  data: DetailData;
  now: number;
  theme: Theme;
}) {
  const marks = [
    e.executionId === data.info.currentExecutionId ? 'current' : '',
    e.executionId === data.shownExecution ? 'shown' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <>
      {fit(`#${e.executionId}`, 6)} <Text color={theme.c(statusColour(e.status))}>{fit(e.status, 14)}</Text>{' '}
      {fit(`started ${formatAge(e.startedAt, now)}`, 16)}{' '}
      {fit(e.completedAt === undefined ? 'not ended' : `ended ${formatAge(e.completedAt, now)}`, 16)}{' '}
      {fit(`${formatCount(e.eventCount)} events`, 12)} {marks}
    </>
  );
}

function TreeLine({ node, theme }: { node: TreeNode; theme: Theme }) {
  return (
    <>
      {'  '.repeat(node.depth)}
      {node.depth > 0 ? '└ ' : ''}
      {node.instanceId} <Text color={theme.c('gray')}>{node.orchestrationName}</Text>{' '}
      <Text color={theme.c(statusColour(node.status))}>{node.status}</Text>
      {node.customStatus ? ` "${oneLine(node.customStatus)}"` : ''}
    </>
  );
}

function Panel({
  data,
  detail,
  now,
  width,
  height,
  theme,
}: Omit<InstanceDetailProps, 'instanceId' | 'error'> & { data: DetailData }) {
  const { cursor } = detail;
  const gray = (text: string) => <Text color={theme.c('gray')}>{text}</Text>;
  switch (detail.panel) {
    case 'history':
      return (
        <HistoryTimeline rows={data.timeline} cursor={cursor} width={width} height={height} theme={theme} />
      );
    case 'executions':
      if (data.executions === null) return gray('  loading executions…');
      return (
        <List
          items={data.executions}
          cursor={cursor}
          height={height}
          itemKey={(e) => String(e.executionId)}
          line={(e) => <ExecutionLine e={e} data={data} now={now} theme={theme} />}
        />
      );
    case 'kv':
      if (data.kv.length === 0) return gray('  no KV values');
      return (
        <List
          items={data.kv}
          cursor={cursor}
          height={height}
          itemKey={([k]) => k}
          line={([k, v]) => (
            <>
              <Text bold>{k}</Text> = {truncate(oneLine(v), Math.max(0, width - k.length - 6))}
            </>
          )}
        />
      );
    case 'tree': {
      const nodes = data.tree.nodes;
      if (nodes === null) return gray('  loading tree…');
      const more = data.tree.size - nodes.length;
      return (
        <Box flexDirection="column" height={height} overflow="hidden">
          <List
            items={nodes}
            cursor={cursor}
            height={more > 0 ? height - 1 : height}
            itemKey={(n) => n.instanceId}
            line={(n) => <TreeLine node={n} theme={theme} />}
          />
          {more > 0 ? gray(`  … ${formatCount(more)} more`) : null}
        </Box>
      );
    }
  }
}

export function InstanceDetail({
  instanceId,
  detail,
  data,
  error,
  now,
  width,
  height,
  theme,
}: InstanceDetailProps): ReactElement {
  const shown = data && data.instanceId === instanceId ? data : undefined;
  if (!shown) {
    const message = error
      ? /not found/i.test(error.message)
        ? `instance ${instanceId} not found (it may have been deleted)`
        : `cannot read ${instanceId}: ${error.message}`
      : `loading ${instanceId}…`;
    return (
      <Box width={width} height={height}>
        <Text color={theme.c(error ? 'red' : 'gray')}>{message}</Text>
      </Box>
    );
  }
  const { info } = shown;
  const version = info.orchestrationVersion ? ` ${info.orchestrationVersion}` : '';
  const children = shown.tree.size - 1;
  const failed = info.status === 'Failed';
  const result =
    info.status === 'Running' ? '—' : info.output === undefined ? '(none)' : showValue(info.output);
  const tabs = DETAIL_PANELS.map((p) => {
    const label = `${PANEL_TITLES[p]} (${formatCount(panelCount(shown, p))})`;
    return p === detail.panel ? `[${label}]` : ` ${label} `;
  }).join(' ');
  const executionNote =
    shown.shownExecution === info.currentExecutionId
      ? `execution ${shown.shownExecution}`
      : `execution ${shown.shownExecution} of ${shown.executionIds.length} (not the current one)`;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate">
        <Text bold>{info.instanceId}</Text> · {info.orchestrationName}
        {version} · <Text color={theme.c(statusColour(info.status))}>{info.status}</Text> · execution{' '}
        {info.currentExecutionId}
        {shown.executionIds.length > 1 ? ` of ${shown.executionIds.length}` : ''}
      </Text>
      <Text wrap="truncate" color={theme.c('gray')}>
        created {formatTime(info.createdAt)} ({formatAge(info.createdAt, now)}) · updated{' '}
        {formatAge(info.updatedAt, now)}
        {info.parentInstanceId ? ` · parent ${info.parentInstanceId} (u)` : ''}
        {children > 0 ? ` · ${formatCount(children)} sub-orchestration${children === 1 ? '' : 's'}` : ''}
      </Text>
      <Text wrap="truncate">
        <Text bold>Custom status </Text>
        {info.customStatus === undefined ? '—' : oneLine(info.customStatus)}
      </Text>
      {info.waitingOn === undefined ? (
        <Text wrap="truncate">
          <Text bold>{failed ? 'Error  ' : 'Output '}</Text>
          <Text color={failed ? theme.c('red') : undefined}>{failed ? `✗ ${result}` : result}</Text>
        </Text>
      ) : (
        <Text wrap="truncate">
          <Text bold>Waiting on </Text>
          <Text color={theme.c('yellow')}>{formatWaitingOn(info.waitingOn, now)}</Text>
        </Text>
      )}
      <Text wrap="truncate">
        <Text bold>{tabs}</Text>
        <Text color={theme.c('gray')}> {executionNote}</Text>
      </Text>
      <Panel
        data={shown}
        detail={detail}
        now={now}
        width={width}
        height={Math.max(1, height - SUMMARY_LINES)}
        theme={theme}
      />
    </Box>
  );
}
