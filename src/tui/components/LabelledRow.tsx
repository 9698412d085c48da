/**
 * A line with a bold label in a fixed-width column, as the overview and the schedule detail lay
 * out their fields.
 */
import { Text } from 'ink';
import type { ReactElement, ReactNode } from 'react';
import { fit } from '../format.js';

/** Width of the label column. */
export const LABEL_WIDTH = 12;

/** One labelled line, truncated to the terminal's width. */
export function LabelledRow({
  label,
  children,
}: {
  readonly label: string;
  readonly children: ReactNode;
}): ReactElement {
  return (
    <Text wrap="truncate">
      <Text bold>{fit(label, LABEL_WIDTH)}</Text>
      {children}
    </Text>
  );
}
