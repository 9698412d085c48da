/**
 * Errors of `durox serve`: every one answers `{ "error": { "code", "message" } }`, with the CLI's
 * error codes (the ones `exit-codes.ts` maps to exit codes) mapped to HTTP statuses by one table.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDuroxError } from '../core/errors.js';
import type { DuroxErrorCode } from '../core/errors.js';
import { ToygresError } from '../toygres/errors.js';
import type { ToygresErrorCode } from '../toygres/errors.js';

/** Codes only the HTTP layer raises. */
export type HttpErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

/** Every code an error document can carry. */
export type ApiErrorCode = DuroxErrorCode | ToygresErrorCode | HttpErrorCode;

/**
 * Code → HTTP status. A code added to `DuroxErrorCode` or `ToygresErrorCode` fails to compile
 * until it has an entry.
 */
const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  USAGE: 400,
  INVALID_INPUT: 400,
  MODULE: 400,
  NOT_FOUND: 404,
  INSTANCE_EXISTS: 409,
  CONFLICT: 409,
  INSTANCE_ENDED: 409,
  INSTANCE_STILL_RUNNING: 409,
  CANNOT_DELETE_SUB_ORCHESTRATION: 409,
  ILLEGAL_STATE: 409,
  FAILED: 409,
  ORCHESTRATION_FAILED: 409,
  POISON: 409,
  TIMEOUT: 504,
  NONDETERMINISM: 500,
  LOCK_LOST: 500,
  MISSING_DEPENDENCY: 500,
  SCHEMA_TOO_NEW: 500,
  STORE_UNREACHABLE: 503,
  PROVIDER: 503,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
};

/** Every error code, in the order of the status table. */
export const API_ERROR_CODES = Object.keys(STATUS) as [ApiErrorCode, ...ApiErrorCode[]];

/** The body of every error answer. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/** An error the HTTP layer raises with its own code. */
export class ApiError extends Error {
  /** The error document's code. */
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** The HTTP status of a code. */
export function statusOf(code: ApiErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/**
 * Maps anything thrown to its status and error document. Errors without a known code answer 500
 * with a generic message (the detail goes to the log, never to the caller).
 */
export function toApiError(err: unknown): {
  status: ContentfulStatusCode;
  body: ApiErrorBody;
  internal: boolean;
} {
  let code: ApiErrorCode = 'INTERNAL';
  let message = 'internal error';
  if (err instanceof ApiError || err instanceof ToygresError || isDuroxError(err)) {
    code = (err as { code: ApiErrorCode }).code;
    message = (err as Error).message;
  }
  if (!(code in STATUS)) code = 'INTERNAL';
  return { status: STATUS[code], body: { error: { code, message } }, internal: code === 'INTERNAL' };
}
