/**
 * Lock tokens. They are opaque to the engine; internally each embeds the key of the row it
 * locks, so ack, renew and abandon find that row by primary key and the lock_token columns
 * need no index (an index would cost an extra page write on every lock and release).
 */
import { randomUUID } from 'node:crypto';

const UUID_LENGTH = 36;
const INSTANCE_SEPARATOR = ':';
const ROW_SEPARATOR = '.';

/** A new token for an instance lease: `<uuid>:<instance id>`. */
export function newInstanceLockToken(instanceId: string): string {
  return `${randomUUID()}${INSTANCE_SEPARATOR}${instanceId}`;
}

/** The instance id inside an instance-lease token, or null for a malformed token. */
export function instanceOfLockToken(token: string): string | null {
  if (token.length < UUID_LENGTH + 1 || token[UUID_LENGTH] !== INSTANCE_SEPARATOR) return null;
  return token.slice(UUID_LENGTH + 1);
}

/** A new token for a worker-queue row: `<uuid>.<row id>`. */
export function newWorkItemLockToken(rowId: number): string {
  return `${randomUUID()}${ROW_SEPARATOR}${rowId}`;
}

/** The worker-queue row id inside a work-item token, or null for a malformed token. */
export function rowOfLockToken(token: string): number | null {
  if (token.length < UUID_LENGTH + 2 || token[UUID_LENGTH] !== ROW_SEPARATOR) return null;
  const rowId = Number(token.slice(UUID_LENGTH + 1));
  return Number.isSafeInteger(rowId) && rowId > 0 ? rowId : null;
}
