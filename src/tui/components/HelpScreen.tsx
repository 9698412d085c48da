/**
 * The keyboard help (`?`), generated from the key map in columns that fit 80×24.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { fit } from '../format.js';
import { helpColumns } from '../keys.js';
import type { Theme } from '../theme.js';

export interface HelpScreenProps {
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

export function HelpScreen({ width, height, theme }: HelpScreenProps): ReactElement {
  const columns = helpColumns();
  const columnWidth = Math.floor(width / columns.length);
  const keysWidth = 10;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold>
        Keys <Text color={theme.c('gray')}>(? or Esc closes this help)</Text>
      </Text>
      <Box flexDirection="row">
        {columns.map((sections, i) => (
          <Box key={i} flexDirection="column" width={columnWidth}>
            {sections.map((section) => (
              <Box key={section.title} flexDirection="column" marginTop={1}>
                <Text bold color={theme.c('magenta')}>
                  {section.title}
                </Text>
                {section.hints.map((h) => (
                  <Text key={`${h.keys} ${h.description}`} wrap="truncate">
                    <Text color={theme.c('cyan')}>{fit(h.keys, keysWidth)}</Text>
                    {fit(h.description, Math.max(0, columnWidth - keysWidth - 1))}
                  </Text>
                ))}
              </Box>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
