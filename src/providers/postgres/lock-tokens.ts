/**
 * Lock tokens. Opaque to the engine; internally each embeds the key of the row it locks, so ack,
 * renew and abandon find the lease by primary key and lock_token needs no index. The fetch
 * functions append the key to a random prefix chosen here.
 */
import { randomUUID } from 'node:crypto';

const UUID_LENGTH = 36;

/** A fresh random token prefix for one fetch. */
export function newTokenPrefix(): string {
  return randomUUID();
}

/** The instance id inside an instance-lease token (`<uuid>:<instance id>`), or null. */
export function instanceOfLockToken(token: string): string | null {
  if (typeof token !== 'string' || token.length < UUID_LENGTH + 1 || token[UUID_LENGTH] !== ':') return null;
  return token.slice(UUID_LENGTH + 1);
}

/** The worker-queue row id inside a work-item token (`<uuid>.<row id>`), or null. */
export function rowOfLockToken(token: string): number | null {
  if (typeof token !== 'string' || token.length < UUID_LENGTH + 2 || token[UUID_LENGTH] !== '.') return null;
  const digits = token.slice(UUID_LENGTH + 1);
  if (!/^[1-9][0-9]{0,15}$/.test(digits)) return null;
  const rowId = Number(digits);
  return Number.isSafeInteger(rowId) ? rowId : null;
}
