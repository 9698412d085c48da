/**
 * What the `durox instance …` commands share: the control plane on the command's store (the
 * engine's provider plus the toygres metadata store on the same URL), the mapping of control-plane
 * errors to the CLI's exit codes, the embedded worker for `--wait`, and progress output.
 */
import { Flags } from '@oclif/core';
import type { Command } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { CliError, messageOf } from '../errors.js';
import type { CliErrorCode } from '../errors.js';
import { stderrColors } from '../output.js';
import { redactUrl } from '../store.js';
import { openMetadataStore, startEmbeddedWorker, ToygresError } from '../../toygres/index.js';
import type { ControlPlane, EmbeddedWorker, MetadataStore, ToygresErrorCode } from '../../toygres/index.js';

const CODES: Record<ToygresErrorCode, CliErrorCode> = {
  INVALID_INPUT: 'USAGE',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'INSTANCE_EXISTS',
  FAILED: 'FAILED',
  TIMEOUT: 'TIMEOUT',
};

const DEFAULT_HINTS: Partial<Record<ToygresErrorCode, string>> = {
  NOT_FOUND: 'list instances with `durox instance list`',
  CONFLICT: 'choose another name, or wait for the other operation to end',
};

/** A control-plane error as the CLI error with the same meaning (exit code). */
export function toCliError(err: unknown): unknown {
  if (!(err instanceof ToygresError)) return err;
  const hint = err.hint ?? DEFAULT_HINTS[err.code];
  return new CliError(CODES[err.code], err.message, { ...(hint === undefined ? {} : { hint }), cause: err });
}

/** `--embedded-worker` (default: on for SQLite stores). */
export const embeddedWorkerFlag = Flags.boolean({
  description:
    'While waiting, run toygres in this process (default: on for SQLite stores, off for PostgreSQL). Turn it off when `durox worker run --toygres` serves the store',
  allowNo: true,
});

export abstract class InstanceCommand<T extends typeof Command> extends BaseCommand<T> {
  #metadata: Promise<MetadataStore> | null = null;
  #worker: EmbeddedWorker | null = null;

  /** The metadata store on the command's store (opened on first use, closed at the end). */
  protected metadata(): Promise<MetadataStore> {
    this.#metadata ??= (async () => {
      const selection = this.storeSelection();
      await this.provider(); // reports an unreachable or invalid store the CLI's way
      try {
        return await openMetadataStore(
          selection.url,
          selection.schema === undefined ? {} : { schema: selection.schema },
        );
      } catch (err) {
        throw new CliError(
          'STORE_UNREACHABLE',
          `cannot open the toygres tables in ${redactUrl(selection.url)}: ${messageOf(err)}`,
          { cause: err },
        );
      }
    })();
    return this.#metadata;
  }

  protected async controlPlane(): Promise<ControlPlane> {
    return { client: await this.client(), metadata: await this.metadata() };
  }

  /** Whether `--wait` runs an embedded worker (`--[no-]embedded-worker`, default by store kind). */
  protected embeddedWorkerWanted(flag: boolean | undefined): boolean {
    return flag ?? this.storeSelection().kind === 'sqlite';
  }

  /** Starts toygres in this process until the command ends. */
  protected async startEmbeddedWorker(): Promise<void> {
    if (this.#worker) return;
    this.#worker = await startEmbeddedWorker(await this.provider(), { metadata: await this.metadata() });
  }

  protected async stopEmbeddedWorker(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.stop();
  }

  /** A progress callback: a redrawn line on a terminal, one stderr line per change otherwise. */
  protected progress(label: string): { update: (status: string) => void; done: () => void } {
    if (this.jsonEnabled()) return { update: () => undefined, done: () => undefined };
    const c = stderrColors();
    if (!this.interactive()) {
      return { update: (status) => process.stderr.write(`${label}: ${status}\n`), done: () => undefined };
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    const started = Date.now();
    let frame = 0;
    let current = 'Pending';
    const draw = (): void => {
      const secs = Math.round((Date.now() - started) / 1000);
      process.stderr.write(
        `\r\u001b[2K${c.cyan(frames[frame++ % frames.length]!)} ${label} · ${current} · ${secs}s`,
      );
    };
    const timer = setInterval(draw, 120);
    draw();
    return {
      update: (status) => {
        current = status;
        draw();
      },
      done: () => {
        clearInterval(timer);
        process.stderr.write('\r\u001b[2K');
      },
    };
  }

  override async catch(err: Error): Promise<void> {
    return super.catch(toCliError(err) as Error);
  }

  override async finally(err: Error | undefined): Promise<void> {
    try {
      await this.stopEmbeddedWorker();
    } catch {
      // nothing left to do
    }
    const opening = this.#metadata;
    this.#metadata = null;
    if (opening) {
      try {
        await (await opening).close();
      } catch {
        // opening failed (already reported)
      }
    }
    await super.finally(err);
  }
}
