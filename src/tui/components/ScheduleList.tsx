/**
 * The schedules screen's list: one row per schedule with its spec, orchestration, state (paused
 * with its note), next run and the outcome of its last run, as `client.listSchedules()` reports.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import type { ScheduleSummary } from '../../engine/schedules/types.js';
import { fit, formatAge, formatSpan } from '../format.js';
import { runOutcome, stateText, summarySpecText, WAITING_FOR_WORKER } from '../schedules.js';
import type { Theme } from '../theme.js';
import { windowStart } from './window.js';

/** Props of {@link ScheduleList}. */
export interface ScheduleListProps {
  readonly schedules: readonly ScheduleSummary[] | undefined;
  readonly error: Error | undefined;
  readonly selected: number;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** The title line of the schedules screen. */
export const SCHEDULES_TITLE = 'Schedules · orchestrations started on a cron expression or an interval';

/** Shown when the store has no schedule. */
export const NO_SCHEDULES = [
  '  No schedules in this store yet. Create one with `durox schedule create …` or, from code,',
  "  `client.createSchedule({ id, cron: '*/5 * * * *', orchestration })` (see docs/schedules.md).",
  '  Every runtime on this store runs schedules.',
] as const;

/** Terminals narrower than this leave out the orchestration column (the detail pane shows it). */
export const ORCHESTRATION_MIN_WIDTH = 90;

/** Column widths for a terminal `width` columns wide (`orch` is 0 when the column is left out). */
export function scheduleColumns(width: number): {
  id: number;
  spec: number;
  orch: number;
  state: number;
  next: number;
  last: number;
} {
  const next = 8;
  if (width < ORCHESTRATION_MIN_WIDTH) {
    const rest = Math.max(40, width - 2 - next - 4);
    const id = Math.floor(rest * 0.2);
    const spec = Math.floor(rest * 0.21);
    const state = Math.floor(rest * 0.31);
    return { id, spec, orch: 0, state, next, last: rest - id - spec - state };
  }
  const rest = Math.max(40, width - 2 - next - 5);
  const id = Math.floor(rest * 0.17);
  const spec = Math.floor(rest * 0.23);
  const orch = Math.floor(rest * 0.155);
  const state = Math.floor(rest * 0.245);
  return { id, spec, orch, state, next, last: rest - id - spec - orch - state };
}

/** `in 5m`, `due` or `—`. */
function nextText(nextTime: number | undefined, now: number): string {
  if (nextTime === undefined) return '—';
  return nextTime <= now ? 'due' : `in ${formatSpan(nextTime - now)}`;
}

/** The list of schedules, or what to do when there is none. */
export function ScheduleList({
  schedules,
  error,
  selected,
  now,
  width,
  height,
  theme,
}: ScheduleListProps): ReactElement {
  const gray = (...lines: readonly string[]) => (
    <Box width={width} height={height} flexDirection="column">
      <Text bold>{SCHEDULES_TITLE}</Text>
      {lines.map((line, i) => (
        <Text key={i} color={theme.c(error ? 'red' : 'gray')} wrap="truncate">
          {line}
        </Text>
      ))}
    </Box>
  );
  if (schedules === undefined) return gray(error ? `cannot list schedules: ${error.message}` : 'loading…');
  if (schedules.length === 0) return gray(...NO_SCHEDULES);
  const col = scheduleColumns(width);
  const listHeight = Math.max(1, height - 2);
  const at = Math.min(selected, schedules.length - 1);
  const start = windowStart(at, schedules.length, listHeight);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate">
        {SCHEDULES_TITLE}
      </Text>
      <Text bold color={theme.c('gray')} wrap="truncate">
        {'  '}
        {fit('SCHEDULE', col.id)} {fit('SPEC', col.spec)}{' '}
        {col.orch > 0 ? `${fit('ORCHESTRATION', col.orch)} ` : ''}
        {fit('STATE', col.state)} {fit('NEXT RUN', col.next)} {fit('LAST RUN', col.last)}
      </Text>
      {schedules.slice(start, start + listHeight).map((s, i) => {
        const isSelected = start + i === at;
        const state = stateText(s);
        const waiting = state.text === WAITING_FOR_WORKER;
        const last = s.lastRun === undefined ? undefined : runOutcome(s.lastRun);
        return (
          <Text key={s.id} wrap="truncate" inverse={isSelected} bold={isSelected}>
            {isSelected ? '› ' : '  '}
            {fit(s.id, col.id)} {fit(waiting ? '—' : summarySpecText(s.spec), col.spec)}{' '}
            {col.orch > 0 ? `${fit(s.orchestration || '—', col.orch)} ` : ''}
            <Text color={theme.c(state.colour)}>{fit(state.text, col.state)}</Text>{' '}
            {fit(waiting ? '—' : nextText(s.nextTime, now), col.next)}{' '}
            {last === undefined || s.lastRun === undefined ? (
              fit('—', col.last)
            ) : (
              <>
                <Text color={theme.c(last.colour)}>{last.text}</Text>
                {fit(` ${formatAge(s.lastRun.at, now)}`, Math.max(0, col.last - [...last.text].length))}
              </>
            )}
          </Text>
        );
      })}
    </Box>
  );
}
