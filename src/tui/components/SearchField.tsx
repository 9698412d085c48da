/**
 * The id search field of the instances screen. While active it takes the keys: text goes to the
 * search (the table re-queries as you type), Enter keeps it, Esc clears it.
 */
import { Text, useApp } from 'ink';
import type { ReactElement } from 'react';
import { useKeys } from '../hooks/use-keys.js';
import { typedText } from '../keys.js';
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
  const { exit } = useApp();
  useKeys(
    'search',
    (action, input, key) => {
      if (action === 'quit') exit();
      else if (action === 'submit') onDone(true);
      else if (action === 'dismiss') onDone(false);
      else if (action === 'deleteChar') onDeleteChar();
      else {
        const text = typedText(input, key);
        if (text !== undefined) onType(text);
      }
    },
    isActive,
  );
  return (
    <Text>
      <Text color={isActive ? theme.c('yellow') : undefined}>/{value}</Text>
      {isActive ? <Text inverse> </Text> : null}
    </Text>
  );
}
