/**
 * The id search field of the instances screen. While active it takes the keys: text goes to the
 * search (the table re-queries as you type), Enter keeps it, Esc clears it.
 */
import { Text } from 'ink';
import type { ReactElement } from 'react';
import { useTextFieldKeys } from '../hooks/use-keys.js';
import type { Theme } from '../theme.js';

export interface SearchFieldProps {
  readonly value: string;
  readonly isActive: boolean;
  readonly theme: Theme;
  readonly onType: (text: string) => void;
  readonly onDeleteChar: () => void;
  readonly onDone: (keep: boolean) => void;
}

export function SearchField({
  value,
  isActive,
  theme,
  onType,
  onDeleteChar,
  onDone,
}: SearchFieldProps): ReactElement {
  useTextFieldKeys(
    'search',
    { onType, onDeleteChar, onSubmit: () => onDone(true), onCancel: () => onDone(false) },
    isActive,
  );
  return (
    <Text>
      <Text color={isActive ? theme.c('yellow') : undefined}>/{value}</Text>
      {isActive ? <Text inverse> </Text> : null}
    </Text>
  );
}
