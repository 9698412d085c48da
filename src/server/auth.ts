/**
 * Bearer-token authentication and scope checks for `durox serve`. Every request reads the token
 * store, so a revoked token is refused at once, by every server on the store.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import { scopeAllows, verifyToken } from './tokens/token-store.js';
import type { TokenInfo, TokenScope, TokenStore } from './tokens/token-store.js';

/** The variables the middlewares set on a request's context. */
export interface AppVariables {
  /** The authenticated token (set by {@link authenticate}). */
  token: TokenInfo;
  /** The error code of an error answer (for the request log). */
  errorCode: string;
  /** The message of an internal error (logged, never answered). */
  internalError: string;
}

/** The Hono environment of the app. */
export interface AppEnv {
  Variables: AppVariables;
}

/** The scope each method needs unless a route says otherwise: GET/HEAD read, others write. */
export function defaultScope(method: string): TokenScope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/**
 * Authenticates `Authorization: Bearer <token>` (401 when missing, malformed, unknown or revoked)
 * and checks the scope the method needs (403). Records the token's last use.
 */
export function authenticate(tokens: TokenStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError('UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    const token = await verifyToken(tokens, match[1]!);
    if (!token) throw new ApiError('UNAUTHORIZED', 'invalid or revoked token');
    const needed = defaultScope(c.req.method);
    if (!scopeAllows(token.scope, needed)) {
      throw new ApiError('FORBIDDEN', `this route needs the ${needed} scope; the token has ${token.scope}`);
    }
    c.set('token', token);
    // Best effort, at most once a minute per token: bookkeeping must not fail or slow requests.
    const now = Date.now();
    if (token.lastUsedAt === null || now - token.lastUsedAt > 60_000) {
      tokens.touch(token.id, now).catch(() => undefined);
    }
    await next();
  };
}

/** Throws FORBIDDEN unless the request's token holds `needed`. */
export function requireScope(token: TokenInfo, needed: TokenScope, what: string): void {
  if (!scopeAllows(token.scope, needed)) {
    throw new ApiError('FORBIDDEN', `${what} needs the ${needed} scope; the token has ${token.scope}`);
  }
}
