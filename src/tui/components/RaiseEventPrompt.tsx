/**
 * Asks for an event name and a JSON payload (validated before anything is sent): Tab or Enter
 * moves to the payload, Enter there sends, Esc cancels.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { useTextFieldKeys } from '../hooks/use-keys.js';
import type { Theme } from '../theme.js';
import { truncate } from '../format.js';

export interface RaiseEventPromptProps {
  readonly instanceId: string;
  readonly name: string;
  readonly payload: string;
  readonly field: 'name' | 'payload';
  readonly error: string | null;
  readonly isActive: boolean;
  readonly width: number;
  readonly theme: Theme;
  readonly onType: (text: string) => void;
  readonly onDeleteChar: () => void;
  readonly onNextField: () => void;
  /** Enter: to the payload from the name, or validate and send. */
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}

/** Lines the prompt takes (border included). */
export const RAISE_HEIGHT = 7;

export function RaiseEventPrompt(props: RaiseEventPromptProps): ReactElement {
  const { instanceId, name, payload, field, error, isActive, width, theme } = props;
  useTextFieldKeys('prompt', props, isActive);
  const inner = Math.max(10, width - 4 - 16);
  const line = (label: string, value: string, focused: boolean) => (
    <Text wrap="truncate">
      <Text bold={focused} color={focused ? theme.c('yellow') : undefined}>
        {focused ? '› ' : '  '}
        {label}
      </Text>
      {truncate(value, inner - 1)}
      {focused ? <Text inverse> </Text> : null}
    </Text>
  );
  return (
    <Box
      flexDirection="column"
      width={width}
      height={RAISE_HEIGHT}
      borderStyle="round"
      borderColor={theme.c('cyan')}
      paddingX={1}
    >
      <Text bold wrap="truncate">
        Raise an event for {instanceId}
      </Text>
      {line('Event name:   ', name, field === 'name')}
      {line('JSON payload: ', payload, field === 'payload')}
      <Text wrap="truncate" color={theme.c('red')}>
        {error ?? ' '}
      </Text>
      <Text wrap="truncate" color={theme.c('gray')}>
        Tab next field · ⏎ {field === 'name' ? 'to payload' : 'send'} · Esc cancel · empty payload sends null
      </Text>
    </Box>
  );
}
