/**
 * Asks before pausing a schedule, with an optional note (shown by `describe` and on the
 * schedules screen): Enter pauses, Esc cancels. Keys other than those go to the note.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { truncate } from '../format.js';
import { useTextFieldKeys } from '../hooks/use-keys.js';
import type { Theme } from '../theme.js';

/** Props of {@link PauseSchedulePrompt}. */
export interface PauseSchedulePromptProps {
  readonly scheduleId: string;
  readonly note: string;
  /** Why the note was refused, if it was. */
  readonly error: string | null;
  readonly isActive: boolean;
  readonly width: number;
  readonly theme: Theme;
  readonly onType: (text: string) => void;
  readonly onDeleteChar: () => void;
  /** Enter: validate the note and pause. */
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}

/** Lines the prompt takes (border included). */
export const PAUSE_HEIGHT = 6;

/** The pause dialog: the question, the note field and its error or the keys. */
export function PauseSchedulePrompt(props: PauseSchedulePromptProps): ReactElement {
  const { scheduleId, note, error, isActive, width, theme } = props;
  useTextFieldKeys('note', props, isActive);
  const label = 'Note (optional): ';
  const inner = Math.max(10, width - 4 - 2 - label.length);
  return (
    <Box
      flexDirection="column"
      width={width}
      height={PAUSE_HEIGHT}
      borderStyle="round"
      borderColor={theme.c('yellow')}
      paddingX={1}
    >
      <Text wrap="truncate">Pause schedule {scheduleId}? No scheduled runs start until it is resumed.</Text>
      <Text wrap="truncate">
        <Text bold color={theme.c('yellow')}>
          {'› '}
          {label}
        </Text>
        {truncate(note, inner - 1)}
        <Text inverse> </Text>
      </Text>
      <Text wrap="truncate" color={theme.c('red')}>
        {error ?? ' '}
      </Text>
      <Text wrap="truncate">
        <Text bold>⏎</Text> pause · <Text bold>Esc</Text> cancel
      </Text>
    </Box>
  );
}
