/**
 * The bottom two lines: the last action's message (or a store error), and the keys of the
 * current screen, generated from the key map.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { truncate } from '../format.js';
import { footerHints } from '../keys.js';
import type { KeyContext } from '../keys.js';
import type { Flash } from '../state.js';
import type { Theme } from '../theme.js';

export interface FooterProps {
  readonly context: KeyContext;
  readonly flash: Flash | null;
  readonly width: number;
  readonly theme: Theme;
}

/** The hints that fit on one line, always ending with help and quit. */
export function hintLine(context: KeyContext, width: number): string {
  const hints = footerHints(context).map((h) => `${h.keys} ${h.description}`);
  const tail: string[] = hints.filter((h) => h === '? help' || h === 'q quit');
  const head = hints.filter((h) => !tail.includes(h));
  const parts: string[] = [];
  let used = tail.join('  ').length;
  for (const h of head) {
    const extra = h.length + 2;
    if (used + extra > width) break;
    parts.push(h);
    used += extra;
  }
  return truncate([...parts, ...tail].join('  '), width);
}

export function Footer({ context, flash, width, theme }: FooterProps): ReactElement {
  return (
    <Box flexDirection="column" width={width} height={2}>
      <Text wrap="truncate" color={flash?.tone === 'error' ? theme.c('red') : theme.c('green')}>
        {flash ? truncate(flash.text, width) : ' '}
      </Text>
      <Text wrap="truncate" color={theme.c('gray')}>
        {hintLine(context, width)}
      </Text>
    </Box>
  );
}
