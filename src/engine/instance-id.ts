/**
 * The one rule for instance ids, shared by the Client, orchestration contexts and the CLI: an
 * id must contain something visible. Empty and whitespace-only ids cannot be told apart in
 * listings or typed back on a command line, and control characters make them unprintable.
 */
import { InvalidInputError } from '../core/errors.js';

// C0 controls and DEL, as the CLI's input validation has always refused them.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `id` is not a usable instance id, or `null` when it is. */
export function instanceIdProblem(id: string): string | null {
  if (id === '') return 'must not be empty';
  if (id.trim() === '') return 'must not be only whitespace';
  if (CONTROL.test(id)) return 'must not contain control characters';
  return null;
}

/**
 * Returns `id` as a string, or throws `InvalidInputError` naming `what` (e.g. `instance id`)
 * when it is missing (`undefined`/`null`), empty, whitespace-only or contains a control
 * character. Other non-strings (numbers) are converted with `String()` first.
 */
export function checkInstanceId(id: unknown, what = 'instance id'): string {
  if (id === undefined || id === null) throw new InvalidInputError(`${what} is required`);
  const text = String(id);
  const problem = instanceIdProblem(text);
  if (problem !== null) {
    throw new InvalidInputError(`${what} ${problem} (got ${JSON.stringify(text)})`);
  }
  return text;
}
