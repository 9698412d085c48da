/**
 * Zod schemas shared by the routes: they validate requests and, through @hono/zod-openapi,
 * become the OpenAPI document's components.
 */
import { z } from '@hono/zod-openapi';
import { API_ERROR_CODES } from './errors.js';
import type { TokenScope } from './tokens/token-store.js';

/** `{ "error": { "code", "message" } }`. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES).openapi({ example: 'NOT_FOUND' }),
      message: z.string().openapi({ example: "instance 'order-1' not found" }),
    }),
  })
  .openapi('Error');

/** Any JSON value (inputs, outputs, event data). */
export const JsonValue = z.unknown().openapi({ description: 'any JSON value' });

const errorContent = { 'application/json': { schema: ErrorSchema } };

/**
 * The error responses of an authenticated route that needs the `needs` scope, plus `extra`
 * statuses. Every token can read, so only write and admin routes list 403.
 */
export function errorResponses(
  needs: TokenScope,
  ...extra: Array<{ status: 400 | 404 | 409 | 413 | 503 | 504; description: string }>
): Record<string, { description: string; content: typeof errorContent }> {
  const responses: Record<string, { description: string; content: typeof errorContent }> = {
    '401': { description: 'Missing, invalid or revoked token', content: errorContent },
  };
  if (needs !== 'read') {
    responses['403'] = { description: `The token lacks the ${needs} scope`, content: errorContent };
  }
  for (const e of extra) responses[String(e.status)] = { description: e.description, content: errorContent };
  return responses;
}

/** A JSON response of `schema`. */
export function jsonResponse<S extends z.ZodTypeAny>(
  schema: S,
  description: string,
): { description: string; content: { 'application/json': { schema: S } } } {
  return { description, content: { 'application/json': { schema } } };
}

/** What {@link untypedJson} needs of a handler's context: its `json` answer with `status`. */
export interface JsonContext<S extends 200 | 201 | 202> {
  json: (data: never, status: S) => unknown;
}

/**
 * A JSON body for a route whose response schema holds arbitrary JSON values (`unknown`: inputs,
 * outputs, history payloads), which @hono/zod-openapi's typed-response check cannot express
 * (it reduces them to `never`). The schema still documents the body in the OpenAPI document.
 */
export function untypedJson<T, S extends 200 | 201 | 202>(c: JsonContext<S>, data: T, status: S): never {
  return c.json(data as never, status) as never;
}
