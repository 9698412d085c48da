import { Flags } from '@oclif/core';
import { CliError } from '../../cli/errors.js';
import { name, validate } from '../../cli/input.js';
import { TokenCommand } from '../../cli/token-command.js';
import { createToken, TOKEN_SCOPES } from '../../server/tokens/token-store.js';
import type { CreatedToken, TokenScope } from '../../server/tokens/token-store.js';

/** `--json` document of `token create`: the token text appears here only. */
export type TokenCreateResult = CreatedToken;

export default class TokenCreate extends TokenCommand<typeof TokenCreate> {
  static override summary = 'Create an API token for `durox serve`';
  static override description =
    'Prints the bearer token once: only a salted hash is stored, so it cannot be shown again (revoke it and create another if lost). Scopes: read (GET routes), write (also start, raise, cancel, delete, create instances), admin (also connection strings with passwords).';
  static override examples = [
    '<%= config.bin %> token create --name ci --scope write',
    '<%= config.bin %> token create --name dashboard --scope read --json',
  ];
  static override flags = {
    name: Flags.string({
      description: 'A name to recognise the token by (unique among live tokens)',
      required: true,
    }),
    scope: Flags.string({
      description: 'What the token may do',
      options: [...TOKEN_SCOPES],
      default: 'read',
    }),
  };

  async run(): Promise<TokenCreateResult> {
    const tokenName = validate(name, this.flags.name, '--name');
    const created = await createToken(await this.tokens(), tokenName, this.flags.scope as TokenScope);
    if (!created) {
      throw new CliError('INSTANCE_EXISTS', `a live token named '${tokenName}' exists`, {
        hint: 'choose another --name, or revoke it first with `durox token revoke`',
      });
    }
    if (!this.jsonEnabled()) {
      this.log(created.token);
      this.note(`token '${created.name}' (${created.scope}, id ${created.id}): shown once, store it now`);
    }
    return created;
  }
}
