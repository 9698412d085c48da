/**
 * Validation of command input with zod, before anything is written: JSON payloads, instance
 * ids, names. Failures become usage errors (exit 2) that name the flag or argument.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { firstZodIssue } from '../core/zod-issues.js';
import { instanceIdProblem } from '../engine/instance-id.js';
import { messageOf, usageError } from './errors.js';

/** Runs `schema` on `value`; a failure is a usage error naming `what`. */
export function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<S>;
  const issue = firstZodIssue(parsed.error);
  const path = issue.path ? ` (at ${issue.path})` : '';
  throw usageError(`${what}: ${issue.message}${path}`);
}

/** JSON text → value; the message quotes the parser's complaint. */
export const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not valid JSON (${messageOf(err)})` });
    return z.NEVER;
  }
});

// Control characters make ids unprintable and unsearchable.
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

/** An instance id: at most 256 characters, by the library's rule (not empty, not only whitespace, printable). */
export const instanceId = z
  .string()
  .max(256, 'must be at most 256 characters')
  .superRefine((id, ctx) => {
    const problem = instanceIdProblem(id);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** An orchestration, event or queue name. */
export const name = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(PRINTABLE, 'must not contain control characters');

/**
 * A JSON payload from `--<flag> <json>` or `--<flag>-file <path>` (`-` reads stdin). Absent →
 * `undefined` (stored as `null`).
 */
export function readJsonPayload(inline: string | undefined, file: string | undefined, flag: string): unknown {
  if (inline !== undefined && file !== undefined) {
    throw usageError(`--${flag} and --${flag}-file cannot be used together`);
  }
  if (inline !== undefined) {
    const parsed = jsonText.safeParse(inline);
    if (parsed.success) return parsed.data;
    throw usageError(
      `--${flag}: ${firstZodIssue(parsed.error).message}`,
      `pass JSON, quoted for your shell; a string needs its own quotes: --${flag} '"text"'`,
    );
  }
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw usageError(
      `--${flag}-file ${file}: cannot read (${(err as { code?: string }).code ?? messageOf(err)})`,
    );
  }
  return validate(jsonText, text, `--${flag}-file ${file}`);
}
