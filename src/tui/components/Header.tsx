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
];

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
  const running = metrics ? `● ${formatCount(metrics.runningInstances)} running` : '';
  const failed = metrics ? `✗ ${formatCount(metrics.failedInstances)} failed` : '';
  const right = metrics ? `${running}  ${failed}` : '';
  const leftFixed = 'durox '.length + ' '.length + tabs.length;
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
