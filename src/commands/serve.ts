import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { CliError, messageOf, usageError } from '../cli/errors.js';
import { integerFlag } from '../cli/flags.js';
import { recommendedOptionsOf } from '../cli/store.js';
import { openCommandTokenStore } from '../cli/token-command.js';
import { toygresWorkerExtension } from '../cli/toygres/worker-extension.js';
import { runWorker } from '../cli/worker.js';
import type { WorkerRunResult } from '../cli/worker.js';
import { DUROX_VERSION } from '../core/history.js';
import { createPrometheusMetrics } from '../engine/prometheus-metrics.js';
import type { PrometheusMetrics } from '../engine/prometheus-metrics.js';
import { createApp, DEFAULT_BODY_LIMIT } from '../server/app.js';
import { listen } from '../server/serve.js';
import type { TokenStore } from '../server/tokens/token-store.js';
import { openMetadataStore } from '../toygres/metadata/open.js';
import type { ControlPlane } from '../toygres/control-plane.js';
import type { MetadataStore } from '../toygres/metadata/store.js';
import WorkerRun from './worker/run.js';

/** `--json` document of `serve`, printed when it stops. */
export interface ServeResult {
  url: string;
  stoppedBy: 'SIGINT' | 'SIGTERM';
  uptimeMs: number;
  /** The in-process worker's summary (`--worker`). */
  worker: WorkerRunResult | null;
}

// The worker's flags, for --worker (its own metrics port stays out: --metrics serves /metrics here).
const { 'metrics-port': _metricsPort, ...workerFlags } = WorkerRun.flags;

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Serve the HTTP API (orchestrations, toygres instances) with bearer tokens';
  static override description = `JSON over HTTP: orchestrations (start, status, wait, raise, enqueue, cancel, delete, list, history, tree) and toygres instances (create, list, get, delete, health, operations). The OpenAPI 3 document is at /openapi.json; docs/http-api.md has curl examples.

Every route but GET /health needs "Authorization: Bearer <token>" (\`durox token create --name ci --scope write\`): read for GET routes, write for the others, admin to see a password. Binds 127.0.0.1 unless --host says otherwise; no CORS unless --cors-origin; bodies above --body-limit are refused (413). One JSON log line per request goes to stderr (never headers or bodies).

With --worker a worker runs in the same process (the flags of \`durox worker run\` apply). SIGINT/SIGTERM stop accepting connections, answer open long-polls (/wait) at once with 503 SHUTTING_DOWN, let other requests in flight finish (up to 10 s), then drain the worker.`;
  static override examples = [
    '<%= config.bin %> serve --port 8080',
    '<%= config.bin %> serve --worker -m ./app.js --toygres --metrics',
    '<%= config.bin %> serve --host 0.0.0.0 --cors-origin https://console.example.com',
  ];
  static override flags = {
    port: integerFlag({ min: 0, max: 65_535 })({ description: 'Port (0: any free port)', default: 8080 }),
    host: Flags.string({ description: 'Address to bind', default: '127.0.0.1', helpValue: '<address>' }),
    'cors-origin': Flags.string({
      description: 'Allow browser calls from this origin (default: no CORS)',
      helpValue: '<origin>',
    }),
    'body-limit': integerFlag({ min: 1, max: 64 * 1024 * 1024 })({
      description: 'Largest request body in bytes',
      default: DEFAULT_BODY_LIMIT,
    }),
    metrics: Flags.boolean({ description: 'Serve Prometheus metrics at /metrics (scope read)' }),
    worker: Flags.boolean({ description: 'Also run a worker in this process (flags of `durox worker run`)' }),
    ...workerFlags,
  };

  async run(): Promise<ServeResult> {
    const { flags } = this;
    const selection = this.storeSelection();
    const modules = flags.module ?? [];
    if (!flags.worker && (modules.length > 0 || flags.toygres === true)) {
      throw usageError('--module and --toygres run a worker: add --worker');
    }
    const started = Date.now();
    const client = await this.client();
    const tokens: TokenStore = await openCommandTokenStore(selection.url, selection.schema);
    let metadata: Promise<MetadataStore> | null = null;
    const controlPlane = async (): Promise<ControlPlane> => {
      metadata ??= openMetadataStore(
        selection.url,
        selection.schema === undefined ? {} : { schema: selection.schema },
      );
      return { client, metadata: await metadata };
    };
    // With --worker, the worker's runtime feeds the metrics once it exists (the client's until then).
    let metrics: PrometheusMetrics | null = null;
    const log = (line: object): void => void process.stderr.write(`${JSON.stringify(line)}\n`);
    // Aborted first on a signal: long-polls answer at once (503 SHUTTING_DOWN) instead of holding the close up.
    const stopping = new AbortController();
    const app = createApp({
      client,
      stopping: stopping.signal,
      tokens,
      controlPlane,
      bodyLimitBytes: flags['body-limit'],
      version: DUROX_VERSION,
      log,
      ...(flags['cors-origin'] === undefined ? {} : { corsOrigin: flags['cors-origin'] }),
      ...(flags.metrics ? { metrics: () => (metrics ??= createPrometheusMetrics(client)) } : {}),
    });
    let server;
    try {
      server = await listen(app, flags.host, flags.port);
    } catch (err) {
      await tokens.close();
      throw new CliError('USAGE', `cannot listen on ${flags.host}:${flags.port}: ${messageOf(err)}`);
    }
    log({ time: new Date().toISOString(), level: 'info', msg: 'listening', url: server.url });

    const stopped = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const worker = flags.worker
      ? runWorker(
          () => this.provider(),
          this.storeLabel(),
          { ...flags, module: modules },
          {
            live: false,
            log: (line) => process.stderr.write(`${line}\n`),
            recommended: recommendedOptionsOf(selection.kind),
            onRuntime: (runtime) => {
              if (flags.metrics) metrics = createPrometheusMetrics(runtime);
            },
            ...(flags.toygres === false
              ? {}
              : { extensions: [toygresWorkerExtension(selection, { always: flags.toygres === true })] }),
          },
        )
      : null;
    let stoppedBy: 'SIGINT' | 'SIGTERM';
    try {
      // A worker that fails to start (or stops) stops the server too.
      stoppedBy = await Promise.race([stopped, ...(worker ? [worker.then((r) => r.stoppedBy)] : [])]);
      // Long-polls answer at once and the listener closes before the line says so.
      stopping.abort();
      void server.close();
      log({ time: new Date().toISOString(), level: 'info', msg: 'stopping', signal: stoppedBy });
    } finally {
      stopping.abort();
      await server.close(); // the same close as above, when there was one
      await tokens.close().catch(() => undefined);
      const opened = metadata === null ? null : await (metadata as Promise<MetadataStore>).catch(() => null);
      await opened?.close().catch(() => undefined);
    }
    const workerResult = worker ? await worker : null;
    return { url: server.url, stoppedBy, uptimeMs: Date.now() - started, worker: workerResult };
  }
}
