/**
 * Requests the TUI's actions make (cancel, raise an event, delete, prune; pause, resume and
 * trigger a schedule) and the validation of the raise-event form and the pause note, before
 * anything is written.
 */
import { z } from 'zod';
import { firstZodIssue } from '../core/zod-issues.js';

export type ActionRequest =
  | { readonly kind: 'cancel'; readonly instanceId: string }
  | { readonly kind: 'raise'; readonly instanceId: string; readonly name: string; readonly data: unknown }
  | { readonly kind: 'delete'; readonly instanceId: string; readonly force: boolean }
  | { readonly kind: 'prune'; readonly instanceId: string }
  | { readonly kind: 'pauseSchedule'; readonly scheduleId: string; readonly note?: string }
  | { readonly kind: 'resumeSchedule'; readonly scheduleId: string }
  | { readonly kind: 'triggerSchedule'; readonly scheduleId: string };

/** The longest pause note the dialog sends. */
export const MAX_PAUSE_NOTE = 500;

// Control characters make names unprintable.
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

const raiseForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'event name must not be empty')
    .max(256, 'event name must be at most 256 characters')
    .regex(PRINTABLE, 'event name must not contain control characters'),
  payload: z
    .string()
    .trim()
    .transform((text, ctx) => {
      if (text === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `payload is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
        });
        return z.NEVER;
      }
    }),
});

/** Validates the raise-event form: a name, and a JSON payload (empty = no data). */
export function parseRaiseForm(
  name: string,
  payload: string,
): { ok: true; name: string; data: unknown } | { ok: false; error: string } {
  const parsed = raiseForm.safeParse({ name, payload });
  if (!parsed.success) return { ok: false, error: firstZodIssue(parsed.error).message };
  return { ok: true, name: parsed.data.name, data: parsed.data.payload };
}

/** Validates the pause dialog's note: trimmed; empty means no note. */
export function parsePauseNote(note: string): { ok: true; note?: string } | { ok: false; error: string } {
  const text = note.trim();
  if (text === '') return { ok: true };
  if ([...text].length > MAX_PAUSE_NOTE) {
    return { ok: false, error: `note must be at most ${MAX_PAUSE_NOTE} characters` };
  }
  return { ok: true, note: text };
}
