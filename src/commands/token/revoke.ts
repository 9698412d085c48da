import { Args } from '@oclif/core';
import { CliError } from '../../cli/errors.js';
import { TokenCommand } from '../../cli/token-command.js';
import { tokenInfo } from '../../server/tokens/token-store.js';
import type { TokenInfo } from '../../server/tokens/token-store.js';

/** `--json` document of `token revoke`. */
export type TokenRevokeResult = TokenInfo;

export default class TokenRevoke extends TokenCommand<typeof TokenRevoke> {
  static override summary = 'Revoke an API token (refused at once by every `durox serve` on the store)';
  static override examples = [
    '<%= config.bin %> token revoke ci',
    '<%= config.bin %> token revoke 3f9a0c1b2d4e',
  ];
  static override args = {
    token: Args.string({ description: 'Token name or id', required: true }),
  };

  async run(): Promise<TokenRevokeResult> {
    const row = await (await this.tokens()).revoke(this.args.token, Date.now());
    if (!row) {
      throw new CliError('NOT_FOUND', `no live token named or with id '${this.args.token}'`, {
        hint: 'list tokens with `durox token list`',
      });
    }
    if (!this.jsonEnabled()) this.log(`revoked ${row.name} (${row.id})`);
    return tokenInfo(row);
  }
}
