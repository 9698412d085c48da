/**
 * A real `durox serve` app over HTTP on 127.0.0.1 with a real SQLite store in a temporary
 * directory, a runtime for the test orchestrations, and tokens of each scope.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Runtime, SqliteProvider } from '../../src/index.js';
import type { OrchestrationContext, Provider } from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/engine/prometheus-metrics.js';
import { createApp } from '../../src/server/app.js';
import type { AppOptions, RequestLogLine } from '../../src/server/app.js';
import { listen } from '../../src/server/serve.js';
import type { RunningServer } from '../../src/server/serve.js';
import { openTokenStore } from '../../src/server/tokens/open.js';
import { createToken } from '../../src/server/tokens/token-store.js';
import type { TokenScope, TokenStore } from '../../src/server/tokens/token-store.js';
import { openMetadataStore } from '../../src/toygres/metadata/open.js';
import type { MetadataStore } from '../../src/toygres/metadata/store.js';

export interface ServerHarness {
  url: string;
  dir: string;
  dbUrl: string;
  provider: Provider;
  client: Client;
  runtime: Runtime | null;
  tokens: TokenStore;
  token: Record<TokenScope, string>;
  logs: RequestLogLine[];
  /** fetch relative to the server, with the token of `scope` (null: none). */
  call(path: string, init?: RequestInit & { scope?: TokenScope | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the server; `withRuntime` also runs Echo and WaitEvent. */
export async function startServer(
  options: { withRuntime?: boolean; metrics?: boolean; app?: Partial<AppOptions> } = {},
): Promise<ServerHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'durox-serve-'));
  const dbUrl = `sqlite:${join(dir, 'durox.db')}`;
  const provider = await SqliteProvider.open(join(dir, 'durox.db'));
  const client = new Client(provider);
  const tokens = await openTokenStore(dbUrl);
  const token = {} as Record<TokenScope, string>;
  for (const scope of ['read', 'write', 'admin'] as const) {
    token[scope] = (await createToken(tokens, `t-${scope}`, scope))!.token;
  }
  let runtime: Runtime | null = null;
  if (options.withRuntime) {
    runtime = new Runtime(provider, { dispatcherPollIntervalMs: 20, logLevel: 'off' });
    runtime.registerOrchestration('Echo', function* (_ctx: OrchestrationContext, input: unknown) {
      return input;
    });
    runtime.registerOrchestration('WaitEvent', function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('go');
    });
    await runtime.start();
  }
  let metadata: Promise<MetadataStore> | null = null;
  const logs: RequestLogLine[] = [];
  const app = createApp({
    client,
    tokens,
    controlPlane: async () => {
      metadata ??= openMetadataStore(dbUrl);
      return { client, metadata: await metadata, pruner: false };
    },
    log: (line) => logs.push(line),
    ...(options.metrics ? { metrics: createPrometheusMetrics(client, { storeGauges: true }) } : {}),
    ...options.app,
  });
  const server: RunningServer = await listen(app, '127.0.0.1', 0);
  return {
    url: server.url,
    dir,
    dbUrl,
    provider,
    client,
    runtime,
    tokens,
    token,
    logs,
    call: (path, init = {}) => {
      const { scope = 'admin', ...rest } = init;
      const headers = new Headers(rest.headers);
      if (scope !== null) headers.set('authorization', `Bearer ${token[scope]}`);
      if (rest.body !== undefined && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, { ...rest, headers });
    },
    close: async () => {
      await server.close();
      await runtime?.shutdown(1000);
      await tokens.close();
      if (metadata) await (await metadata).close();
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The JSON body of a response. */
export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * The secret part of a token text (`durox_<12 hex>_<secret>`). Not `split('_')`: the base64url
 * secret may itself contain `_`.
 */
export function secretOf(token: string): string {
  return /^durox_[0-9a-f]{12}_(.+)$/.exec(token)![1]!;
}
