/**
 * The history of one execution: one line per event with its offset, kind (coloured by what it
 * is; failures in red), the link to its schedule or completion, and a few words. The selected
 * event's linked events are marked too.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { fit, formatOffset, truncate } from '../format.js';
import { linkLabel, toneColour } from '../timeline.js';
import type { TimelineRow } from '../timeline.js';
import type { Theme } from '../theme.js';
import { windowStart } from './window.js';

export interface HistoryTimelineProps {
  readonly rows: readonly TimelineRow[];
  readonly cursor: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

const LINK_WIDTH = 11;

export function HistoryTimeline({ rows, cursor, width, height, theme }: HistoryTimelineProps): ReactElement {
  if (rows.length === 0) return <Text color={theme.c('gray')}>{'  no events in this execution'}</Text>;
  const start = windowStart(cursor, rows.length, height);
  const selected = rows[cursor];
  const linked = new Set<number>();
  if (selected) {
    if (selected.sourceEventId !== undefined) linked.add(selected.sourceEventId);
    for (const a of selected.answeredBy) linked.add(a.eventId);
  }
  // Narrow terminals drop the offset column.
  const offsetWidth = width >= 90 ? 9 : 0;
  const kindWidth = width >= 100 ? 27 : 24;
  const summaryWidth = Math.max(
    0,
    width - (2 + 5 + 1 + (offsetWidth ? offsetWidth + 1 : 0) + kindWidth + 1 + LINK_WIDTH + 1),
  );
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {rows.slice(start, start + height).map((row, i) => {
        const at = start + i;
        const isSelected = at === cursor;
        const isLinked = linked.has(row.eventId);
        return (
          <Text key={row.eventId} wrap="truncate" inverse={isSelected} bold={isSelected || isLinked}>
            {isSelected ? '› ' : isLinked ? '· ' : '  '}
            {fit(`#${row.eventId}`, 5)}{' '}
            {offsetWidth ? (
              <Text color={theme.c('gray')}>{fit(formatOffset(row.offsetMs), offsetWidth)} </Text>
            ) : null}
            <Text color={theme.c(toneColour(row.tone))}>{fit(row.kind, kindWidth)}</Text>{' '}
            {fit(linkLabel(row), LINK_WIDTH)}{' '}
            <Text color={row.tone === 'failure' ? theme.c('red') : undefined}>
              {isSelected ? fit(row.summary, summaryWidth) : truncate(row.summary, summaryWidth)}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
