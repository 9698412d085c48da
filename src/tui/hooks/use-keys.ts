/**
 * Keyboard input, resolved through the key map.
 *
 * The root component holds the one subscription to Ink's input (`useKeyboard`); components
 * claim the keyboard with `useKeys(context, handler, isActive)` while they render active, and
 * the next key goes to the latest claim. Claiming happens during render rather than in an
 * effect because Ink subscribes `useInput` handlers in a passive effect, which may run well
 * after the frame is drawn: keys typed right after a dialog opened went to the screen behind it
 * and were lost. Exactly one component renders active at a time (the app while no dialog or
 * search is open, otherwise the dialog or the search field).
 *
 * Keys that arrive together (pasted, sent by a script, or typed faster than a frame) are handled
 * one at a time with a render in between, so that each sees the state the previous one left:
 * ↓ ↓ ⏎ opens the third row, not the first.
 */
import { useApp, useInput } from 'ink';
import type { Key } from 'ink';
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState } from 'react';
import { resolveKey, typedText } from '../keys.js';
import type { KeyAction, KeyContext } from '../keys.js';

export type KeyHandler = (action: KeyAction | undefined, input: string, key: Key) => void;

interface Claim {
  readonly context: KeyContext;
  readonly handler: KeyHandler;
}

/** Who gets the next key. */
export interface Keyboard {
  current: Claim | null;
}

export const KeyboardContext = createContext<Keyboard | null>(null);

/** The one subscription to Ink's input; use in the root component and provide the result. */
export function useKeyboard(isActive = true): Keyboard {
  const keyboard = useRef<Claim | null>(null);
  const queue = useRef<[string, Key][]>([]);
  // True from handling a key until the render it caused has committed.
  const handling = useRef(false);
  const [, rendered] = useState(0);
  const handle = useCallback((input: string, key: Key) => {
    handling.current = true;
    const claim = keyboard.current;
    if (claim) claim.handler(resolveKey(claim.context, input, key), input, key);
    // Always render, so that the next queued key is handled after it.
    rendered((n) => n + 1);
  }, []);
  const onInput = useCallback(
    (input: string, key: Key) => {
      if (handling.current) queue.current.push([input, key]);
      else handle(input, key);
    },
    [handle],
  );
  useInput(onInput, { isActive });
  // After every commit: the claims are current, so the next queued key can go.
  useLayoutEffect(() => {
    handling.current = false;
    const next = queue.current.shift();
    if (next) handle(...next);
  });
  return keyboard;
}

/** Takes the keys (resolved in `context`) while `isActive`. */
export function useKeys(
  context: KeyContext,
  handler: KeyHandler,
  isActive: boolean,
  keyboard?: Keyboard,
): void {
  const provided = useContext(KeyboardContext);
  const target = keyboard ?? provided;
  if (isActive && target) target.current = { context, handler };
}

/** What a text field does with its keys. */
export interface TextFieldHandlers {
  readonly onType: (text: string) => void;
  readonly onDeleteChar: () => void;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
  /** Tab, where the context binds it. */
  readonly onNextField?: () => void;
}

/**
 * Takes the keys of a dialog with a text field: quit, dismiss, submit, delete and (in contexts
 * that bind it) next field; anything printable is typed.
 */
export function useTextFieldKeys(context: KeyContext, handlers: TextFieldHandlers, isActive: boolean): void {
  const { exit } = useApp();
  useKeys(
    context,
    (action, input, key) => {
      if (action === 'quit') exit();
      else if (action === 'dismiss') handlers.onCancel();
      else if (action === 'submit') handlers.onSubmit();
      else if (action === 'deleteChar') handlers.onDeleteChar();
      else if (action === 'nextField') handlers.onNextField?.();
      else {
        const text = typedText(input, key);
        if (text !== undefined) handlers.onType(text);
      }
    },
    isActive,
  );
}
