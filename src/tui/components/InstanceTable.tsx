/**
 * The instances screen: a filter bar (status, search, sort, position) above one page of the
 * table. The bar describes the page shown (until the page of a new filter, sort or position
 * arrives, the previous one stays, so the screen never blanks); the search text and the
 * selection come from the reducer.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { fit, formatAge, formatCount, oneLine } from '../format.js';
import type { InstancePage } from '../hooks/use-instance-page.js';
import type { InstancesState, SortKey } from '../state.js';
import { statusColour } from '../theme.js';
import type { Theme } from '../theme.js';
import { SearchField } from './SearchField.js';

export interface InstanceTableProps {
  readonly table: InstancesState;
  /** The page shown (possibly of the previous query while the next one loads). */
  readonly page: InstancePage | undefined;
  readonly error: Error | undefined;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
  readonly onSearchType: (text: string) => void;
  readonly onSearchDeleteChar: () => void;
  readonly onSearchDone: (keep: boolean) => void;
}

const SORT_LABELS: Record<SortKey, string> = { createdAt: 'created', updatedAt: 'updated', instanceId: 'id' };

/** Column widths for a terminal `width` columns wide. */
export function columns(width: number): {
  id: number;
  orch: number;
  status: number;
  custom: number;
  updated: number;
} {
  const status = 14;
  const updated = 8;
  const rest = Math.max(30, width - 2 - status - updated - 4);
  const id = Math.floor(rest * 0.4);
  const orch = Math.floor(rest * 0.3);
  return { id, orch, status, custom: rest - id - orch, updated };
}

function FilterBar({
  table,
  page,
  width,
  theme,
  onSearchType,
  onSearchDeleteChar,
  onSearchDone,
}: Omit<InstanceTableProps, 'error' | 'now' | 'height'>) {
  const query = page?.query;
  const status = query ? (query.status ?? null) : table.status;
  const sort = query?.orderBy ?? table.sort;
  const descending = query?.descending ?? table.descending;
  const first = query?.offset ?? 0;
  const size = query?.limit ?? table.pageSize;
  const total = page?.total;
  const position =
    total === undefined
      ? '…'
      : total === 0
        ? '0 of 0'
        : `${formatCount(first + 1)}–${formatCount(Math.min(total, first + size))} of ${formatCount(total)}`;
  const pages = total === undefined ? 1 : Math.max(1, Math.ceil(total / size));
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text bold>Status </Text>
        <Text color={theme.c(status ? statusColour(status) : undefined)}>{status ?? 'All'}</Text>
        {'  '}
        <Text bold>Search </Text>
        {table.searching || table.search !== '' ? (
          <SearchField
            value={table.search}
            isActive={table.searching}
            theme={theme}
            onType={onSearchType}
            onDeleteChar={onSearchDeleteChar}
            onDone={onSearchDone}
          />
        ) : (
          <Text color={theme.c('gray')}>(/ to search)</Text>
        )}
        {'  '}
        <Text bold>Sort </Text>
        {SORT_LABELS[sort as SortKey]} {descending ? '↓' : '↑'}
        {'  '}
        {position}
        <Text color={theme.c('gray')}>
          {'  '}page {formatCount(Math.floor(first / size) + 1)}/{formatCount(pages)}
        </Text>
      </Text>
    </Box>
  );
}

export function InstanceTable(props: InstanceTableProps): ReactElement {
  const { table, page, error, now, width, height, theme } = props;
  const rows = page?.rows;
  const col = columns(width);
  const header = `  ${fit('INSTANCE', col.id)} ${fit('ORCHESTRATION', col.orch)} ${fit('STATUS', col.status)} ${fit(
    'CUSTOM STATUS',
    col.custom,
  )} ${fit('UPDATED', col.updated)}`;
  let body;
  if (rows === undefined) {
    body = (
      <Text color={theme.c(error ? 'red' : 'gray')}>
        {error ? `cannot list instances: ${error.message}` : 'loading…'}
      </Text>
    );
  } else if (rows.length === 0) {
    body = (
      <Text color={theme.c('gray')}>
        {page?.query.status !== undefined || page?.query.idContains !== undefined
          ? '  No instances match. (Esc clears the filter and search)'
          : '  No instances in this store yet. Start one with `durox orchestration start`.'}
      </Text>
    );
  } else {
    body = rows.map((row, i) => {
      const selected = i === Math.min(table.selected, rows.length - 1);
      const orch = row.orchestrationVersion
        ? `${row.orchestrationName} ${row.orchestrationVersion}`
        : row.orchestrationName;
      return (
        <Text key={row.instanceId} wrap="truncate" inverse={selected} bold={selected}>
          {selected ? '› ' : '  '}
          {fit(row.instanceId, col.id)} {fit(orch, col.orch)}{' '}
          <Text color={theme.c(statusColour(row.status))}>{fit(row.status, col.status)}</Text>{' '}
          {fit(oneLine(row.customStatus ?? ''), col.custom)} {fit(formatAge(row.updatedAt, now), col.updated)}
        </Text>
      );
    });
  }
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <FilterBar {...props} />
      <Text bold color={theme.c('gray')} wrap="truncate">
        {header}
      </Text>
      {body}
    </Box>
  );
}
