/**
 * The one reading of zod validation failures: every place that validates with zod reports the
 * first issue, by its dotted path and message, in its own sentence.
 */

/** The parts of a zod error this reads (structural, so any zod version's `ZodError` fits). */
export interface ZodIssueList {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

/** The first issue of a failed zod parse. */
export interface FirstZodIssue {
  /** Dotted path of the offending field (`retry.maxAttempts`, `items.0.sku`), `''` at the root. */
  path: string;
  /** Zod's message for it (`'invalid value'` if the error carries no issue). */
  message: string;
}

/**
 * The first issue of a failed zod parse, e.g. `firstZodIssue(schema.safeParse(v).error!)`, for a
 * message that names the field: `` `${path || 'options'}: ${message}` ``.
 */
export function firstZodIssue(error: ZodIssueList): FirstZodIssue {
  const issue = error.issues[0];
  if (issue === undefined) return { path: '', message: 'invalid value' };
  return { path: issue.path.map(String).join('.'), message: issue.message };
}
