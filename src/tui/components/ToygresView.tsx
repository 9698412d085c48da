/**
 * The Toygres screen: managed PostgreSQL instances with state, health, latest latency and their
 * actor's custom status, as the injected data source reports them.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { fit, formatAge, oneLine } from '../format.js';
import type { Colour, Theme } from '../theme.js';
import { TOYGRES_NOT_INSTALLED } from '../toygres.js';
import type { ToygresSnapshot } from '../toygres.js';
import { windowStart } from './window.js';

export interface ToygresViewProps {
  readonly snapshot: ToygresSnapshot | undefined;
  readonly error: Error | undefined;
  readonly selected: number;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

function healthColour(health: string): Colour {
  const h = health.toLowerCase();
  if (h === 'healthy' || h === 'ok') return 'green';
  if (h === 'degraded' || h === 'unknown' || h === 'checking') return 'yellow';
  return 'red';
}

export function ToygresView({
  snapshot,
  error,
  selected,
  now,
  width,
  height,
  theme,
}: ToygresViewProps): ReactElement {
  const gray = (text: string) => (
    <Box width={width} height={height} flexDirection="column">
      <Text bold>Toygres · managed PostgreSQL instances</Text>
      <Text color={theme.c('gray')}>{text}</Text>
    </Box>
  );
  if (error) return gray(`cannot read toygres: ${error.message}`);
  if (!snapshot) return gray('loading…');
  if (!snapshot.installed) return gray(snapshot.message ?? TOYGRES_NOT_INSTALLED);
  const rows = snapshot.instances;
  if (rows.length === 0) return gray('no managed instances yet');
  const name = 20;
  const state = 14;
  const health = 12;
  const latency = 9;
  const checked = 9;
  const actor = Math.max(10, width - 2 - name - state - health - latency - checked - 5);
  const listHeight = Math.max(1, height - 2);
  const start = windowStart(selected, rows.length, listHeight);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold>Toygres · managed PostgreSQL instances</Text>
      <Text bold color={theme.c('gray')} wrap="truncate">
        {'  '}
        {fit('NAME', name)} {fit('STATE', state)} {fit('HEALTH', health)} {fit('LATENCY', latency, 'right')}{' '}
        {fit('CHECKED', checked)} {fit('ACTOR STATUS', actor)}
      </Text>
      {rows.slice(start, start + listHeight).map((row, i) => {
        const isSelected = start + i === selected;
        return (
          <Text key={row.name} wrap="truncate" inverse={isSelected} bold={isSelected}>
            {isSelected ? '› ' : '  '}
            {fit(row.name, name)} {fit(row.state, state)}{' '}
            <Text color={theme.c(healthColour(row.health))}>{fit(row.health, health)}</Text>{' '}
            {fit(row.latencyMs === null ? '—' : `${row.latencyMs} ms`, latency, 'right')}{' '}
            {fit(row.checkedAt === undefined ? '—' : formatAge(row.checkedAt, now), checked)}{' '}
            {fit(oneLine(row.actorCustomStatus ?? (row.actorInstanceId ? '' : '—')), actor)}
          </Text>
        );
      })}
    </Box>
  );
}
