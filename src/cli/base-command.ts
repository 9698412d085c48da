/**
 * What every `durox` command shares: the global flags (`--store`, `--schema`, `--debug`), JSON
 * output (`--json`: the value `run()` returns is the one JSON document on stdout), the store
 * (opened on first use, closed in `finally()`), and error reporting (`catch()` maps every error to
 * an exit code through `exit-codes.ts` and prints one line plus a hint on stderr).
 */
import { Command } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { Client } from '../engine/client.js';
import type { Provider } from '../core/provider.js';
import { reportError } from './exit-codes.js';
import type { ExitCodeValue } from './exit-codes.js';
import type { CommandUsage } from './parse-errors.js';
import { globalFlags } from './flags.js';
import { stderrColors } from './output.js';
import { openStore, redactUrl, selectStore } from './store.js';
import type { StoreSelection } from './store.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = globalFlags;
  static override enableJsonFlag = true;

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  /** Positional arguments beyond the declared ones (commands with `strict = false`). */
  protected argvRest: string[] = [];

  #selection: StoreSelection | null = null;
  #provider: Promise<Provider> | null = null;
  #client: Client | null = null;

  override async init(): Promise<void> {
    await super.init();
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.argvRest = (argv as string[]).slice(Object.keys(this.ctor.args ?? {}).length);
  }

  /** The store this command uses (validated; not opened). */
  protected storeSelection(): StoreSelection {
    this.#selection ??= selectStore(
      this.flags.store as string | undefined,
      process.env.DUROX_STORE,
      this.flags.schema as string | undefined,
    );
    return this.#selection;
  }

  /** The store URL for messages (password hidden). */
  protected storeLabel(): string {
    return redactUrl(this.storeSelection().url);
  }

  /** The store, opened on first use and closed when the command ends. */
  protected provider(): Promise<Provider> {
    this.#provider ??= openStore(this.storeSelection());
    return this.#provider;
  }

  /** A client on the store. */
  protected async client(): Promise<Client> {
    this.#client ??= new Client(await this.provider());
    return this.#client;
  }

  /** Sets the exit code without failing the command (its result is still printed). */
  protected setExitCode(code: ExitCodeValue): void {
    process.exitCode = code;
  }

  /** True when humans watch: not `--json` and stderr is a terminal. */
  protected interactive(): boolean {
    return !this.jsonEnabled() && process.stderr.isTTY === true;
  }

  /** Writes a line to stderr unless `--json` (progress and notes, never results). */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /** The JSON document, plain (no colors) so that it can be piped. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  /** This command's usage line and help command, for the hints of parse errors. */
  private usage(): CommandUsage {
    const command = `${this.config.bin} ${this.id?.split(':').join(' ') ?? ''}`.trim();
    const args = Object.entries(this.ctor.args ?? {}).map(([name, arg]) =>
      arg.required ? `<${name}>` : `[<${name}>]`,
    );
    return { usage: [command, ...args, '[flags]'].join(' '), help: `${command} --help` };
  }

  override async catch(err: Error): Promise<void> {
    const report = reportError(err, this.usage());
    process.exitCode = report.exitCode;
    if (report.code === 'EXIT') return;
    const debug = this.argv.includes('--debug') || process.env.DUROX_DEBUG === '1';
    const c = stderrColors();
    process.stderr.write(`${c.red('error:')} ${report.message}\n`);
    if (report.hint) process.stderr.write(`${c.dim(`hint: ${report.hint}`)}\n`);
    if (debug) {
      for (let e: unknown = err; e instanceof Error; e = e.cause) {
        process.stderr.write(`${e === err ? '' : 'caused by: '}${e.stack ?? e.message}\n`);
      }
    }
    if (this.jsonEnabled()) {
      const error: Record<string, unknown> = {
        code: report.code,
        message: report.message,
        exitCode: report.exitCode,
      };
      if (report.hint) error.hint = report.hint;
      this.logJson({ error });
    }
  }

  override async finally(err: Error | undefined): Promise<void> {
    const opening = this.#provider;
    this.#provider = null;
    if (opening) {
      try {
        await (await opening).close();
      } catch {
        // Opening failed (already reported) or closing failed: nothing left to do.
      }
    }
    await super.finally(err);
  }
}
