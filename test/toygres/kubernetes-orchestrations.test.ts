/**
 * The toygres orchestrations on the Kubernetes platform, against the fake Kubernetes API server
 * (test/toygres/kubernetes/fake-kube-api.ts): create → Secret, PVC, StatefulSet and a
 * LoadBalancer Service, the connection on the LoadBalancer IP, a running record; delete removes
 * every object. The PostgreSQL query is faked (there is no real server behind the fake API).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createInstance,
  deleteInstance,
  instanceLogs,
  waitForCreate,
  waitForDelete,
} from '../../src/toygres/control-plane.js';
import { KubernetesPlatform } from '../../src/toygres/platforms/kubernetes/kubernetes-platform.js';
import { allHistoryText, startBench } from './helpers/harness.js';
import type { Bench } from './helpers/harness.js';
import { startFakeKubeApi } from './kubernetes/fake-kube-api.js';
import type { FakeKubeApi } from './kubernetes/fake-kube-api.js';

const PASSWORD = 'kube-Secret/pass';

let bench: Bench | null = null;
let fake: FakeKubeApi | null = null;
afterEach(async () => {
  await bench?.close();
  await fake?.close();
  bench = null;
  fake = null;
});

describe('toygres on the kubernetes platform (fake API server)', () => {
  it('creates and deletes an instance', async () => {
    fake = await startFakeKubeApi({ loadBalancerIp: '127.0.0.9' });
    const queried: string[] = [];
    bench = await startBench({
      kubernetes: await KubernetesPlatform.create({ kubeconfig: fake.kubeconfigPath }),
      queryServer: async (host, port, password) => {
        queried.push(`${host}:${port}`);
        if (password !== PASSWORD) throw new Error('password authentication failed');
        return { serverVersion: 'PostgreSQL 17 (fake pod)', latencyMs: 2 };
      },
    });
    const cp = { ...bench.cp, readiness: { kubernetes: { attempts: 50, intervalMs: 100 } } };
    const created = await createInstance(cp, {
      name: 'kdb',
      password: PASSWORD,
      platform: 'kubernetes',
      postgresVersion: '17',
      dnsLabel: 'kdb-label',
      healthIntervalMs: 60_000,
    });
    const outcome = await waitForCreate(cp, created, { timeoutMs: 30_000 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.instance).toMatchObject({
      state: 'running',
      platform: 'kubernetes',
      namespace: 'toygres',
      loadBalancer: true,
      connection: { externalIp: '127.0.0.9', port: 5432 },
    });
    expect(queried[0]).toBe('127.0.0.9:5432');
    expect(fake.objects.list('statefulsets', 'toygres').map((o) => o.metadata.name)).toEqual(['kdb']);
    expect(fake.objects.list('services', 'toygres')).toHaveLength(1);
    fake.objects.appendLog('toygres', 'kdb-0', 'LOG:  database system is ready to accept connections');
    expect((await instanceLogs(cp, 'kdb', { tail: 10 })).lines.join('\n')).toMatch(/ready to accept/);

    const deleted = await waitForDelete(cp, await deleteInstance(cp, 'kdb'), { timeoutMs: 30_000 });
    expect(deleted.status).toBe('Completed');
    expect(deleted.instance?.state).toBe('deleted');
    for (const resource of ['statefulsets', 'services', 'persistentvolumeclaims', 'secrets'] as const) {
      expect(fake.objects.list(resource, 'toygres'), resource).toEqual([]);
    }
    expect(await allHistoryText(bench.client)).not.toContain(PASSWORD);
  });
});
