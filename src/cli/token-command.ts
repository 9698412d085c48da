/**
 * What the `durox token …` commands share: the token store on the command's store (the same
 * SQLite file or PostgreSQL schema), opened on first use and closed when the command ends.
 */
import type { Command } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { CliError, messageOf } from './errors.js';
import { redactUrl } from './store.js';
import { openTokenStore } from '../server/tokens/open.js';
import type { TokenStore } from '../server/tokens/token-store.js';

/** Opens the token store of a command's store selection; failures are STORE_UNREACHABLE. */
export async function openCommandTokenStore(url: string, schema: string | undefined): Promise<TokenStore> {
  try {
    return await openTokenStore(url, schema);
  } catch (err) {
    throw new CliError(
      'STORE_UNREACHABLE',
      `cannot open the token table in ${redactUrl(url)}: ${messageOf(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** Base of `durox token create|list|revoke`. */
export abstract class TokenCommand<T extends typeof Command> extends BaseCommand<T> {
  #tokens: Promise<TokenStore> | null = null;

  /** The token store (opened on first use, after the engine's store, so its errors come first). */
  protected tokens(): Promise<TokenStore> {
    this.#tokens ??= (async () => {
      await this.provider();
      const selection = this.storeSelection();
      return openCommandTokenStore(selection.url, selection.schema);
    })();
    return this.#tokens;
  }

  override async finally(err: Error | undefined): Promise<void> {
    const opening = this.#tokens;
    this.#tokens = null;
    if (opening) await (await opening.catch(() => null))?.close().catch(() => undefined);
    await super.finally(err);
  }
}
