/**
 * The top line: product and store, the screen tabs, and live counts from the last metrics.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import type { SystemMetrics } from '../../core/provider.js';
import { formatCount, truncate } from '../format.js';
import type { View } from '../state.js';
import type { Theme } from '../theme.js';

const TABS: readonly { view: Exclude<View, 'detail'>; key: string; label: string }[] = [
  { view: 'overview', key: '1', label: 'Overview' },
  { view: 'instances', key: '2', label: 'Instances' },
  { view: 'toygres', key: '3', label: 'Toygres' },
  { view: 'schedules', key: '4', label: 'Schedules' },
];

/** Columns the store label keeps before the counts lose their words. */
const MIN_STORE = 12;

export interface HeaderProps {
  readonly storeLabel: string;
  readonly view: View;
  readonly metrics: SystemMetrics | undefined;
  readonly width: number;
  readonly theme: Theme;
}

export function Header({ storeLabel, view, metrics, width, theme }: HeaderProps): ReactElement {
  const active = view === 'detail' ? 'instances' : view;
  const tabs = TABS.map((t) => (t.view === active ? `[${t.key} ${t.label}]` : ` ${t.key} ${t.label} `)).join(
    '',
  );
  const leftFixed = 'durox '.length + ' '.length + tabs.length;
  const counts = (words: boolean): { running: string; failed: string } => ({
    running: metrics ? `● ${formatCount(metrics.runningInstances)}${words ? ' running' : ''}` : '',
    failed: metrics ? `✗ ${formatCount(metrics.failedInstances)}${words ? ' failed' : ''}` : '',
  });
  const full = counts(true);
  // Narrow terminals drop the words of the counts before the store loses all its room.
  const words = width - leftFixed - full.running.length - full.failed.length - 4 >= MIN_STORE;
  const { running, failed } = words ? full : counts(false);
  const right = metrics ? `${running}  ${failed}` : '';
  const store = truncate(storeLabel, Math.max(0, width - leftFixed - right.length - 2));
  const gap = Math.max(1, width - leftFixed - [...store].length - right.length);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text bold color={theme.c('magenta')}>
          durox
        </Text>{' '}
        <Text color={theme.c('gray')}>{store}</Text> <Text bold>{tabs}</Text>
        {' '.repeat(gap)}
        {metrics ? (
          <>
            <Text color={theme.c('cyan')}>{running}</Text>
            {'  '}
            <Text color={metrics.failedInstances > 0 ? theme.c('red') : undefined}>{failed}</Text>
          </>
        ) : null}
      </Text>
    </Box>
  );
}
