import { ORCHESTRATIONS } from '../toygres/names.js';
import { openMetadataStore } from '../toygres/metadata/open.js';
import type { MetadataStore } from '../toygres/metadata/store.js';
import { toygresDataSource } from '../tui/toygres-source.js';
import { Flags } from '@oclif/core';
import { z } from 'zod';
import { BaseCommand } from '../cli/base-command.js';
import { usageError } from '../cli/errors.js';

const refreshMs = z.coerce.number().int().min(100).max(60_000);

export default class Tui extends BaseCommand<typeof Tui> {
  static override summary = 'Watch and operate a store in a full-screen terminal UI';
  static override description =
    'Overview (counts by status, queues, throughput), instances (status filter, id search, sort, paging), instance detail (history timeline, KV values, executions, sub-orchestration tree) and actions with confirmation (cancel, raise an event, delete, prune executions). Press ? for the keys and q to quit. Needs a terminal: scripts use the --json commands (exit code 2 without one).';
  static override examples = [
    '<%= config.bin %> tui',
    '<%= config.bin %> tui --store sqlite:./app.db --refresh 500',
    '<%= config.bin %> tui --store postgres://user:pass@localhost/app --schema durox',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    refresh: Flags.custom<number>({
      description: 'How often the screens re-read the store, in milliseconds (100 to 60000)',
      default: 1000,
      helpValue: '<ms>',
      parse: async (input) => {
        const parsed = refreshMs.safeParse(input);
        if (!parsed.success) {
          throw usageError(
            `--refresh must be a whole number of milliseconds from 100 to 60000 (got "${input}")`,
          );
        }
        return parsed.data;
      },
    })(),
  };

  async run(): Promise<void> {
    // Ink stops drawing live frames when it thinks it runs in CI (CI=true, CI_* variables); an
    // interactive terminal is never a CI log, so tell it so before it is loaded.
    if (process.stdin.isTTY && process.stdout.isTTY) process.env.CI = 'false';
    // Loaded here so that other commands never load React and Ink.
    const { canRunTui, runTui } = await import('../tui/run.js');
    if (!canRunTui()) {
      throw usageError(
        'durox tui needs an interactive terminal (stdin and stdout must be a TTY)',
        'in scripts use the --json commands: durox orchestration list --json, durox orchestration status <id> --json, durox metrics --json',
      );
    }
    const client = await this.client();
    const { noToygres } = await import('../tui/toygres.js');
    // Toygres keeps its own tables next to the engine's; open them only when toygres is in use
    // here (it has started create orchestrations), so looking at a store never creates them.
    const usesToygres =
      (await client.countInstances({ orchestrationName: ORCHESTRATIONS.createInstance })) > 0;
    const metadata = usesToygres ? await this.openToygresMetadata() : null;
    try {
      await runTui({
        client,
        storeLabel: this.storeLabel(),
        refreshMs: this.flags.refresh,
        toygres: metadata ? toygresDataSource(metadata) : noToygres,
      });
    } finally {
      await metadata?.close();
    }
  }

  private async openToygresMetadata(): Promise<MetadataStore> {
    const selection = this.storeSelection();
    return openMetadataStore(
      selection.url,
      selection.schema === undefined ? {} : { schema: selection.schema },
    );
  }
}
