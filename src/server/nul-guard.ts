/**
 * NUL characters (U+0000) are refused everywhere in a request — URL path, query and every string
 * of a JSON body, object keys included — with 400 `INVALID_INPUT`, before a route runs.
 *
 * PostgreSQL cannot hold them: a NUL sent in a text parameter fails inside the store (SQLSTATE
 * 22021, answered 503 `PROVIDER` after the route had started its work), and `jsonb` rejects the
 * `\u0000` escape, so a payload holding one breaks whatever later decodes it there. SQLite would
 * take them; the API refuses them on every store so that a request valid on one is valid on all.
 * Ids and names already refuse every control character; this check covers payloads, reasons,
 * passwords and queries too, and names the field.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './auth.js';
import { ApiError } from './errors.js';

const NUL = '\u0000';

/** The message of a refusal. */
const REFUSED = 'must not contain NUL characters (\\u0000)';

/** Media types whose body is read as JSON (those Hono's JSON validator reads). */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** A value still to look at, with the way to it (linked to its parent, so paths cost nothing). */
interface Pending {
  value: unknown;
  key: string | null;
  parent: Pending | null;
}

/** The dotted path of `node` (`''` at the root). */
function pathOf(node: Pending): string {
  const keys: string[] = [];
  for (let n: Pending | null = node; n !== null; n = n.parent) if (n.key !== null) keys.push(n.key);
  return keys.reverse().join('.');
}

/**
 * The dotted path (`input.items.0.sku`, `''` at the root) of the first string in `value` that
 * holds a NUL character, as an object key or a string value; null when there is none. Iterative,
 * so a deeply nested body cannot overflow the stack.
 */
export function findNul(value: unknown): string | null {
  const pending: Pending[] = [{ value, key: null, parent: null }];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const item = node.value;
    if (typeof item === 'string') {
      if (item.includes(NUL)) return pathOf(node);
    } else if (Array.isArray(item)) {
      // Pushed last to first, so that the first element is looked at first.
      for (let i = item.length - 1; i >= 0; i--)
        pending.push({ value: item[i], key: String(i), parent: node });
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (const [key] of entries) {
        // A key with a NUL is shown escaped, as JSON writes it.
        if (key.includes(NUL))
          return pathOf({ value: null, key: JSON.stringify(key).slice(1, -1), parent: node });
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        pending.push({ value: child, key, parent: node });
      }
    }
  }
  return null;
}

/** The query parameter (name or value) holding a NUL, or null. */
function nulInQuery(url: URL): string | null {
  for (const [key, value] of url.searchParams) {
    if (key.includes(NUL) || value.includes(NUL)) return JSON.stringify(key).slice(1, -1);
  }
  return null;
}

/**
 * Refuses a request with a NUL character in its path, query or JSON body (400 `INVALID_INPUT`,
 * naming where). A body that is not valid JSON is left to the route's validation, which refuses
 * it with its own message.
 */
export function refuseNul(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    // A URL carries a NUL only percent-encoded (Node's parser refuses a raw one).
    if (url.pathname.includes('%00')) throw new ApiError('INVALID_INPUT', `path: ${REFUSED}`);
    const param = nulInQuery(url);
    if (param !== null) throw new ApiError('INVALID_INPUT', `query: ${REFUSED} (at ${param})`);
    // The body is read as JSON only where the route's validation reads it: JSON media types.
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (c.req.raw.body !== null && JSON_TYPE.test(type)) {
      // Hono keeps the body text: the route's validation reads it again without a second read.
      const text = await c.req.text();
      let body: unknown;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = undefined; // Malformed: the route's validation answers it.
      }
      const at = findNul(body);
      if (at !== null) {
        throw new ApiError('INVALID_INPUT', `json: ${REFUSED}${at === '' ? '' : ` (at ${at})`}`);
      }
    }
    await next();
  };
}
