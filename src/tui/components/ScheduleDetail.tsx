/**
 * The schedules screen's detail pane, from `client.describeSchedule(id)`: spec, state, the next
 * scheduled times and the recent runs with their outcomes (↑/↓ select one, Enter opens its
 * instance). A schedule no worker has run yet is shown as waiting for a worker.
 */
import { Box, Text } from 'ink';
import type { ReactElement, ReactNode } from 'react';
import type { ScheduleDescription } from '../../engine/schedules/types.js';
import { fit, formatAge, formatSpan, formatTime, showValue, truncate } from '../format.js';
import type { ScheduleDetailData } from '../hooks/use-schedules.js';
import { durationText, runOutcome, specText, stateText } from '../schedules.js';
import { statusColour } from '../theme.js';
import type { Theme } from '../theme.js';
import { LabelledRow, LABEL_WIDTH } from './LabelledRow.js';
import { windowStart } from './window.js';

/** Props of {@link ScheduleDetail}. */
export interface ScheduleDetailProps {
  readonly scheduleId: string;
  /** The description (undefined while the first one loads). */
  readonly data: ScheduleDetailData | undefined;
  readonly error: Error | undefined;
  /** Selected recent run. */
  readonly cursor: number;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** Lines above the recent runs besides the next times. */
const FIXED_LINES = 6;

function Description({
  d,
  cursor,
  now,
  width,
  height,
  theme,
}: Omit<ScheduleDetailProps, 'data' | 'error' | 'scheduleId'> & { readonly d: ScheduleDescription }) {
  const { spec, state } = d;
  const status = stateText({
    paused: state.paused,
    ...(state.note === undefined ? {} : { note: state.note }),
    status: state.status,
    orchestration: spec.orchestration,
  });
  const runsRoom = Math.max(1, height - FIXED_LINES - Math.max(1, d.nextTimes.length));
  const at = Math.min(cursor, Math.max(0, d.recentRuns.length - 1));
  const start = windowStart(at, d.recentRuns.length, runsRoom);
  const run = Math.max(24, Math.floor(width * 0.42));
  const kind = 10;
  const age = 8;
  const outcome = Math.max(8, width - 2 - run - kind - age - 3);
  const facts = [
    `overlap ${spec.overlap}`,
    `catch-up ${durationText(spec.catchupWindowMs)}`,
    ...(spec.jitterMs > 0 ? [`jitter ${durationText(spec.jitterMs)}`] : []),
    ...(spec.startAt === undefined ? [] : [`from ${formatTime(spec.startAt)}`]),
    ...(spec.endAt === undefined ? [] : [`until ${formatTime(spec.endAt)}`]),
  ];
  const stateFacts = [
    ...(state.remainingRuns === undefined ? [] : [`${state.remainingRuns} runs left`]),
    ...(state.buffered > 0 ? [`${state.buffered} buffered`] : []),
    ...(state.runningInstanceId === undefined ? [] : [`watching ${state.runningInstanceId}`]),
  ];
  return (
    <>
      <LabelledRow label="Spec">
        {specText(spec)}
        <Text color={theme.c('gray')}> · {facts.join(' · ')}</Text>
      </LabelledRow>
      <LabelledRow label="Starts">
        {spec.version === undefined ? spec.orchestration : `${spec.orchestration} ${spec.version}`}
        <Text color={theme.c('gray')}> · input </Text>
        {truncate(showValue(spec.input), Math.max(0, width - LABEL_WIDTH - spec.orchestration.length - 20))}
      </LabelledRow>
      <LabelledRow label="State">
        <Text color={theme.c(status.colour)}>{status.text}</Text>
        {stateFacts.length > 0 ? <Text color={theme.c('gray')}> · {stateFacts.join(' · ')}</Text> : null}
      </LabelledRow>
      {d.nextTimes.length === 0 ? (
        <LabelledRow label="Next runs">
          <Text color={theme.c('gray')}>{state.paused ? 'none while paused' : 'none'}</Text>
        </LabelledRow>
      ) : (
        d.nextTimes.map((time, i) => (
          <LabelledRow key={time} label={i === 0 ? 'Next runs' : ''}>
            {formatTime(time)}
            <Text color={theme.c('gray')}> ({time <= now ? 'due' : `in ${formatSpan(time - now)}`})</Text>
          </LabelledRow>
        ))
      )}
      <Text bold>
        Recent runs <Text color={theme.c('gray')}>({d.recentRuns.length}, newest first; ⏎ opens a run)</Text>
      </Text>
      {d.recentRuns.length === 0 ? (
        <Text color={theme.c('gray')}>{'  none yet'}</Text>
      ) : (
        <Text bold color={theme.c('gray')} wrap="truncate">
          {'  '}
          {fit('RUN', run)} {fit('KIND', kind)} {fit('OUTCOME', outcome)} {fit('AT', age)}
        </Text>
      )}
      {d.recentRuns.slice(start, start + runsRoom).map((r, i) => {
        const selected = start + i === at;
        const o = runOutcome(r);
        return (
          <Text key={`${r.instanceId} ${r.at} ${i}`} wrap="truncate" inverse={selected} bold={selected}>
            {selected ? '› ' : '  '}
            {fit(r.instanceId, run)} {fit(r.kind, kind)}{' '}
            <Text color={theme.c(o.colour)}>{fit(o.text, outcome)}</Text> {fit(formatAge(r.at, now), age)}
          </Text>
        );
      })}
    </>
  );
}

/** The detail pane of one schedule. */
export function ScheduleDetail(props: ScheduleDetailProps): ReactElement {
  const { scheduleId, data, error, width, height, theme } = props;
  const d = data?.waiting === false ? data.description : undefined;
  let body: ReactNode;
  if (data?.waiting) {
    body = (
      <>
        <Text color={theme.c('yellow')} wrap="truncate">
          Waiting for a worker: no worker has run this schedule&apos;s first turn yet, so it has no state to
          show.
        </Text>
        <Text color={theme.c('gray')} wrap="truncate">
          Start a runtime on this store: every runtime runs schedules. Actions wait in the store until then.
        </Text>
      </>
    );
  } else if (d) {
    body = <Description d={d} {...props} height={height - 1} />;
  } else {
    body = (
      <Text color={theme.c(error ? 'red' : 'gray')} wrap="truncate">
        {error ? `cannot describe schedule ${scheduleId}: ${error.message}` : 'loading…'}
      </Text>
    );
  }
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate">
        Schedule {scheduleId}
        <Text color={theme.c('gray')}> · instance schedule:{scheduleId}</Text>
        {d ? (
          <>
            {' · '}
            <Text color={theme.c(statusColour(d.state.status))}>{d.state.status}</Text>
            <Text color={theme.c('gray')}> · updated {formatAge(d.state.updatedAt, props.now)}</Text>
          </>
        ) : null}
      </Text>
      {error && d ? (
        <Text color={theme.c('red')} wrap="truncate">
          cannot describe schedule {scheduleId}: {error.message}
        </Text>
      ) : null}
      {body}
    </Box>
  );
}
