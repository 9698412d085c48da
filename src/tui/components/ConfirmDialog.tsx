/**
 * Asks before an action changes the store: y / Enter confirms, n / Esc cancels. The question
 * comes from {@link confirmQuestion} (instances) or {@link scheduleQuestion} (schedules).
 */
import { Box, Text, useApp } from 'ink';
import type { ReactElement } from 'react';
import { useKeys } from '../hooks/use-keys.js';
import type { ConfirmAction, ScheduleConfirmAction } from '../state.js';
import type { Theme } from '../theme.js';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  /** The one-line question. */
  readonly question: string;
  /** Drawn in red (deleting, forcing) rather than yellow. */
  readonly danger: boolean;
  readonly isActive: boolean;
  readonly width: number;
  readonly theme: Theme;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** Lines the dialog takes (border included). */
export const CONFIRM_HEIGHT = 4;

/** The question asked before an instance action. */
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

/** The question asked before resuming or triggering schedule `scheduleId`. */
export function scheduleQuestion(action: ScheduleConfirmAction, scheduleId: string): string {
  switch (action) {
    case 'resume':
      return `Resume schedule ${scheduleId}? Runs start again from now (missed times are not caught up).`;
    case 'trigger':
      return `Trigger schedule ${scheduleId} now? One run starts, under its overlap policy.`;
  }
}

/** The yes/no dialog before an action. */
export function ConfirmDialog({
  question,
  danger,
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
  return (
    <Box
      flexDirection="column"
      width={width}
      height={CONFIRM_HEIGHT}
      borderStyle="round"
      borderColor={theme.c(danger ? 'red' : 'yellow')}
      paddingX={1}
    >
      <Text wrap="truncate">{question}</Text>
      <Text wrap="truncate">
        <Text bold>y</Text>/<Text bold>⏎</Text> yes · <Text bold>n</Text>/<Text bold>Esc</Text> no
      </Text>
    </Box>
  );
}
