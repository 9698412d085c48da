/**
 * The open dialog, whichever it is: the yes/no question before an instance or schedule action,
 * the pause dialog with its note, or the raise-event form. Each reports to the reducer through
 * `dispatch`; {@link modalHeight} and {@link modalKeyContext} tell the app how tall it is and
 * which keys its footer shows.
 */
import type { Dispatch, ReactElement } from 'react';
import type { KeyContext } from '../keys.js';
import type { Modal, TuiAction } from '../state.js';
import type { Theme } from '../theme.js';
import { CONFIRM_HEIGHT, ConfirmDialog, confirmQuestion, scheduleQuestion } from './ConfirmDialog.js';
import { PAUSE_HEIGHT, PauseSchedulePrompt } from './PauseSchedulePrompt.js';
import { RAISE_HEIGHT, RaiseEventPrompt } from './RaiseEventPrompt.js';

/** Lines the dialog takes (0 without one). */
export function modalHeight(modal: Modal | null): number {
  if (modal === null) return 0;
  switch (modal.kind) {
    case 'confirm':
    case 'confirmSchedule':
      return CONFIRM_HEIGHT;
    case 'pause':
      return PAUSE_HEIGHT;
    case 'raise':
      return RAISE_HEIGHT;
  }
}

/** The key context of the dialog (whose keys the footer shows). */
export function modalKeyContext(modal: Modal): KeyContext {
  switch (modal.kind) {
    case 'confirm':
    case 'confirmSchedule':
      return 'confirm';
    case 'pause':
      return 'note';
    case 'raise':
      return 'prompt';
  }
}

/** Props of {@link ModalDialog}. */
export interface ModalDialogProps {
  readonly modal: Modal;
  readonly dispatch: Dispatch<TuiAction>;
  readonly width: number;
  readonly theme: Theme;
}

/** The open dialog; it has the keys while it is shown. */
export function ModalDialog({ modal, dispatch, width, theme }: ModalDialogProps): ReactElement {
  const common = {
    isActive: true,
    width,
    theme,
    onCancel: () => dispatch({ type: 'closeModal' }),
  } as const;
  const submit = (): void => dispatch({ type: 'submitModal' });
  const onType = (text: string): void => dispatch({ type: 'typeText', text });
  const onDeleteChar = (): void => dispatch({ type: 'deleteChar' });
  switch (modal.kind) {
    case 'confirm':
      return (
        <ConfirmDialog
          {...common}
          question={confirmQuestion(modal.action, modal.instanceId, modal.force)}
          danger={modal.action === 'delete' || modal.force}
          onConfirm={submit}
        />
      );
    case 'confirmSchedule':
      return (
        <ConfirmDialog
          {...common}
          question={scheduleQuestion(modal.action, modal.scheduleId)}
          danger={false}
          onConfirm={submit}
        />
      );
    case 'pause':
      return (
        <PauseSchedulePrompt
          {...common}
          scheduleId={modal.scheduleId}
          note={modal.note}
          error={modal.error}
          onType={onType}
          onDeleteChar={onDeleteChar}
          onSubmit={submit}
        />
      );
    case 'raise':
      return (
        <RaiseEventPrompt
          {...common}
          instanceId={modal.instanceId}
          name={modal.name}
          payload={modal.payload}
          field={modal.field}
          error={modal.error}
          onType={onType}
          onDeleteChar={onDeleteChar}
          onNextField={() => dispatch({ type: 'nextRaiseField' })}
          onSubmit={submit}
        />
      );
  }
}
