import { Flags } from '@oclif/core';
import { TokenCommand } from '../../cli/token-command.js';
import { tokenInfo } from '../../server/tokens/token-store.js';
import type { TokenInfo } from '../../server/tokens/token-store.js';

/** `--json` document of `token list`: never a secret or hash. */
export type TokenListResult = TokenInfo[];

export default class TokenList extends TokenCommand<typeof TokenList> {
  static override summary = 'List the API tokens of `durox serve` (never their secrets)';
  static override examples = ['<%= config.bin %> token list', '<%= config.bin %> token list --all --json'];
  static override flags = {
    all: Flags.boolean({ description: 'Include revoked tokens' }),
  };

  async run(): Promise<TokenListResult> {
    const tokens = (await (await this.tokens()).list(this.flags.all)).map(tokenInfo);
    if (!this.jsonEnabled()) {
      if (tokens.length === 0) this.log('no tokens');
      for (const t of tokens) {
        const used =
          t.lastUsedAt === null ? 'never used' : `last used ${new Date(t.lastUsedAt).toISOString()}`;
        const revoked = t.revokedAt === null ? '' : `  revoked ${new Date(t.revokedAt).toISOString()}`;
        this.log(
          `${t.id}  ${t.name}  ${t.scope}  created ${new Date(t.createdAt).toISOString()}  ${used}${revoked}`,
        );
      }
    }
    return tokens;
  }
}
