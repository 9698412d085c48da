/**
 * Asks before an action changes the store: y / Enter confirms, n / Esc cancels.
 */
import { Box, Text, useApp } from 'ink';
import type { ReactElement } from 'react';
import { useKeys } from '../hooks/use-keys.js';
import type { ConfirmAction } from '../state.js';
import type { Theme } from '../theme.js';

export interface ConfirmDialogProps {
  readonly action: ConfirmAction;
  readonly instanceId: string;
  readonly force: boolean;
  readonly isActive: boolean;
  readonly width: number;
  readonly theme: Theme;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** Lines the dialog takes (border included). */
export const CONFIRM_HEIGHT = 4;

export function confirmQuestion(action: ConfirmAction, instanceId: string, force: boolean): string {
  switch (action) {
    case 'cancel':
      return `Cancel ${instanceId}? It ends Failed (canceled) and its sub-orchestrations are cancelled too.`;
    case 'delete':
      return force
        ? `${instanceId} is still running. Force-delete it with its sub-orchestrations and history?`
        : `Delete ${instanceId} with its sub-orchestrations and history? This cannot be undone.`;
    case 'prune':
      return `Prune old executions of ${instanceId}, keeping only the current one?`;
  }
}

export function ConfirmDialog({
  action,
  instanceId,
  force,
  isActive,
  width,
  theme,
  onConfirm,
  onCancel,
}: ConfirmDialogProps): ReactElement {
  const { exit } = useApp();
  useKeys(
    'confirm',
    (action) => {
      if (action === 'quit') exit();
      else if (action === 'confirm') onConfirm();
      else if (action === 'dismiss') onCancel();
    },
    isActive,
  );
  const danger = action === 'delete' || force;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={CONFIRM_HEIGHT}
      borderStyle="round"
      borderColor={theme.c(danger ? 'red' : 'yellow')}
      paddingX={1}
    >
      <Text wrap="truncate">{confirmQuestion(action, instanceId, force)}</Text>
      <Text wrap="truncate">
        <Text bold>y</Text>/<Text bold>⏎</Text> yes · <Text bold>n</Text>/<Text bold>Esc</Text> no
      </Text>
    </Box>
  );
}
