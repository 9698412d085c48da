/**
 * A toygres test bench: a Runtime with toygres registered on a temporary SQLite store, the
 * metadata store on the same file, and the control plane over both. The platform and the server
 * query can be replaced (a fake platform keeps tests fast and free of real servers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../../src/engine/client.js';
import { Runtime } from '../../../src/engine/runtime/runtime.js';
import { SqliteProvider } from '../../../src/providers/sqlite/sqlite-provider.js';
import type { ControlPlane } from '../../../src/toygres/control-plane.js';
import { SqliteMetadataStore } from '../../../src/toygres/metadata/sqlite/sqlite-metadata.js';
import type { MetadataStore } from '../../../src/toygres/metadata/store.js';
import type {
  DeployResult,
  DestroyResult,
  Endpoint,
  InstanceSpec,
  Platform,
  Readiness,
} from '../../../src/toygres/platforms/platform.js';
import { createPlatforms } from '../../../src/toygres/platforms/registry.js';
import { registerToygres } from '../../../src/toygres/register.js';
import type { ToygresOptions } from '../../../src/toygres/register.js';

/** An in-memory platform: "servers" are map entries, ready after `readyAfter` checks. */
export class FakePlatform implements Platform {
  readonly kind = 'local' as const;
  readonly servers = new Map<string, { port: number; checks: number; password: string }>();
  readonly calls: string[] = [];
  readyAfter = 2;
  failDeploy: string | null = null;
  #nextPort = 40_000;

  async deploy(spec: InstanceSpec, password: string): Promise<DeployResult> {
    this.calls.push(`deploy:${spec.name}`);
    if (this.failDeploy) throw new Error(this.failDeploy);
    if (this.servers.has(spec.name)) return { created: false, resources: [] };
    this.servers.set(spec.name, { port: this.#nextPort++, checks: 0, password });
    return { created: true, resources: [`Server/${spec.name}`] };
  }

  async readiness(spec: InstanceSpec): Promise<Readiness> {
    const server = this.servers.get(spec.name);
    if (!server) return { ready: false, phase: 'NotFound' };
    server.checks++;
    return server.checks >= this.readyAfter
      ? { ready: true, phase: 'Running' }
      : { ready: false, phase: 'Starting' };
  }

  async endpoint(spec: InstanceSpec): Promise<Endpoint | null> {
    const server = this.servers.get(spec.name);
    return server ? { host: '127.0.0.1', port: server.port } : null;
  }

  async destroy(spec: InstanceSpec): Promise<DestroyResult> {
    this.calls.push(`destroy:${spec.name}`);
    const existed = this.servers.delete(spec.name);
    return existed ? { deleted: true, removed: [`Server/${spec.name}`] } : { deleted: false, removed: [] };
  }

  async logs(spec: InstanceSpec, tail: number): Promise<string[]> {
    return [`log of ${spec.name}`].slice(-tail);
  }
}

export interface Bench {
  dir: string;
  url: string;
  provider: SqliteProvider;
  runtime: Runtime;
  client: Client;
  metadata: MetadataStore;
  cp: ControlPlane;
  close(): Promise<void>;
}

export interface BenchOptions extends Partial<ToygresOptions> {
  /** Wraps the metadata store the activities use (e.g. to inject failures). */
  wrapMetadata?: (store: MetadataStore) => MetadataStore;
  /** Start no runtime (a test starts workers itself). */
  noRuntime?: boolean;
  /** More registrations on the runtime before it starts. */
  beforeStart?: (runtime: Runtime) => void;
}

export async function startBench(options: BenchOptions = {}): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'toygres-bench-'));
  const url = `sqlite:${join(dir, 'durox.db')}`;
  const provider = await SqliteProvider.open(url);
  const metadata = await SqliteMetadataStore.open(url);
  const client = new Client(provider);
  const runtime = new Runtime(provider, { dispatcherPollIntervalMs: 10, logLevel: 'off' });
  const { wrapMetadata, noRuntime, beforeStart, ...toygres } = options;
  registerToygres(runtime, {
    ...toygres,
    metadata: wrapMetadata ? wrapMetadata(metadata) : metadata,
  });
  beforeStart?.(runtime);
  if (!noRuntime) await runtime.start();
  const platforms =
    toygres.platforms ??
    createPlatforms({
      ...(toygres.local ? { local: toygres.local } : {}),
      ...(toygres.kubernetes ? { kubernetes: toygres.kubernetes } : {}),
    });
  return {
    dir,
    url,
    provider,
    runtime,
    client,
    metadata,
    cp: { client, metadata, platforms },
    async close() {
      if (!noRuntime) await runtime.shutdown(500).catch(() => undefined);
      await metadata.close();
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every history event of every instance in the store, as text (to look for leaked secrets). */
export async function allHistoryText(client: Client): Promise<string> {
  const parts: string[] = [];
  for (const id of await client.listAllInstances()) {
    for (const execution of await client.listExecutions(id)) {
      for (const event of await client.readExecutionHistory(id, execution)) parts.push(JSON.stringify(event));
    }
    const status = await client.getStatus(id);
    parts.push(JSON.stringify(status));
  }
  return parts.join('\n');
}
