/**
 * The Kubernetes platform end to end against the fake API server (real client, real HTTP).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createKubernetesPlatform,
  KubernetesApiError,
  kubernetesOptionsFromEnv,
  loadKubernetesClient,
} from '../../../src/toygres/platforms/kubernetes/index.js';
import { KubernetesPlatform } from '../../../src/toygres/platforms/kubernetes/kubernetes-platform.js';
import type { KubernetesPlatformOptions } from '../../../src/toygres/platforms/kubernetes/kubernetes-platform.js';
import type { InstanceSpec, Readiness } from '../../../src/toygres/platforms/platform.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { eventually } from '../../helpers/eventually.js';
import { kubeconfigYaml, startFakeKubeApi } from './fake-kube-api.js';
import type { FakeKubeApi, FakeKubeApiOptions, RecordedRequest } from './fake-kube-api.js';

const PASSWORD = 'pw-Zq8!x@y/;"sp ace';
const NS = 'toygres';

const fakes: FakeKubeApi[] = [];
const cleanups: (() => Promise<void>)[] = [];

// `new KubernetesPlatform(…)` needs the client, which `create()` would load.
beforeAll(async () => {
  await loadKubernetesClient();
});

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(
  fakeOptions: FakeKubeApiOptions = {},
  platformOptions: KubernetesPlatformOptions = {},
): Promise<{ fake: FakeKubeApi; platform: KubernetesPlatform }> {
  const fake = await startFakeKubeApi(fakeOptions);
  fakes.push(fake);
  const platform = new KubernetesPlatform({ kubeconfig: fake.kubeconfigPath, ...platformOptions });
  return { fake, platform };
}

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    name: 'db1',
    namespace: NS,
    postgresVersion: '17',
    storageGb: 5,
    loadBalancer: false,
    ...overrides,
  };
}

async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<{ last: T; seen: T[] }> {
  const seen: T[] = [];
  const { last } = await eventually(
    async () => {
      const value = await probe();
      seen.push(value);
      return done(value) && { last: value };
    },
    { timeoutMs, what: () => `${done.toString()} (last value ${JSON.stringify(seen.at(-1))})` },
  );
  return { last, seen };
}

/** Whether any string inside `value` (a parsed JSON document) contains `needle`. */
function containsString(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.includes(needle);
  if (Array.isArray(value)) return value.some((v) => containsString(v, needle));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes(needle) || containsString(v, needle));
  }
  return false;
}

const posts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'POST');
const created = (requests: RecordedRequest[]) => requests.filter((r) => r.status === 201);
const deletes = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'DELETE');

function postBody(fake: FakeKubeApi, resource: string): any {
  const request = posts(fake.requests).find((r) => r.path === `/api/v1/namespaces/${NS}/${resource}`);
  const appsRequest = posts(fake.requests).find(
    (r) => r.path === `/apis/apps/v1/namespaces/${NS}/${resource}`,
  );
  return (request ?? appsRequest)?.body;
}

describe('deploy', () => {
  it('creates Secret, PVC, StatefulSet and Service with the expected manifests', async () => {
    const { fake, platform } = await setup();
    const result = await platform.deploy(spec({ loadBalancer: true, dnsLabel: 'mydb' }), PASSWORD);
    expect(result).toEqual({
      created: true,
      resources: ['Secret/db1-secret', 'PersistentVolumeClaim/db1-pvc', 'StatefulSet/db1', 'Service/db1-svc'],
    });
    expect(created(fake.requests).map((r) => r.path)).toEqual([
      `/api/v1/namespaces/${NS}/secrets`,
      `/api/v1/namespaces/${NS}/persistentvolumeclaims`,
      `/apis/apps/v1/namespaces/${NS}/statefulsets`,
      `/api/v1/namespaces/${NS}/services`,
    ]);

    const labels = {
      'app.kubernetes.io/name': 'postgres',
      'app.kubernetes.io/managed-by': 'durox-toygres',
      'durox.dev/instance': 'db1',
    };
    const secret = postBody(fake, 'secrets');
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'db1-secret', labels } });
    expect(secret.stringData).toEqual({ password: PASSWORD });

    const pvc = postBody(fake, 'persistentvolumeclaims');
    expect(pvc).toMatchObject({
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'db1-pvc', labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    });

    const sts = postBody(fake, 'statefulsets');
    expect(sts).toMatchObject({
      kind: 'StatefulSet',
      metadata: { name: 'db1', labels },
      spec: { replicas: 1, serviceName: 'db1-svc', template: { metadata: { labels } } },
    });
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('postgres:17');
    expect(c.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'db1-secret', key: 'password' } },
    });
    expect(c.env.find((e: any) => e.name === 'PGDATA').value).toMatch(/^\/var\/lib\/postgresql\/data\//);
    expect(c.readinessProbe).toMatchObject({
      exec: { command: ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'] },
    });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' } });

    const svc = postBody(fake, 'services');
    expect(svc).toMatchObject({
      kind: 'Service',
      metadata: {
        name: 'db1-svc',
        labels,
        annotations: { 'service.beta.kubernetes.io/azure-dns-label-name': 'mydb' },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 5432, targetPort: 5432 }] },
    });

    // The password travels in the Secret's request only, and is stored there only (base64).
    const withPassword = fake.requests.filter((r) => containsString(r.body, PASSWORD));
    expect(withPassword.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/v1/namespaces/${NS}/secrets`,
    ]);
    for (const resource of ['persistentvolumeclaims', 'statefulsets', 'services', 'pods'] as const) {
      for (const o of fake.objects.list(resource)) expect(containsString(o, PASSWORD)).toBe(false);
    }
    const stored = fake.objects.get('secrets', NS, 'db1-secret')!;
    expect(Buffer.from(stored.data.password, 'base64').toString('utf8')).toBe(PASSWORD);
  });

  it('creates a ClusterIP Service without the DNS annotation for an internal instance', async () => {
    const { fake, platform } = await setup();
    await platform.deploy(spec({ dnsLabel: 'unused' }), PASSWORD);
    const svc = fake.objects.get('services', NS, 'db1-svc')!;
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.metadata.annotations).toBeUndefined();
  });

  it('creates nothing on a second deploy', async () => {
    const { fake, platform } = await setup();
    await platform.deploy(spec(), PASSWORD);
    const uids = fake.objects.list('secrets').map((o) => o.metadata.uid);
    const before = fake.requests.length;
    expect(await platform.deploy(spec(), PASSWORD)).toEqual({ created: false, resources: [] });
    const second = fake.requests.slice(before);
    expect(created(second)).toEqual([]);
    expect(posts(second).map((r) => r.status)).toEqual([409, 409, 409, 409]);
    expect(deletes(second)).toEqual([]);
    expect(fake.objects.list('secrets').map((o) => o.metadata.uid)).toEqual(uids);
  });

  it('creates only the missing pieces after a partial deploy', async () => {
    const { fake, platform } = await setup();
    fake.failNext({
      method: 'POST',
      resource: 'statefulsets',
      status: 500,
      message: 'etcdserver: request timed out',
    });
    const failure = await platform.deploy(spec(), PASSWORD).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect((failure as KubernetesApiError).status).toBe(500);
    expect((failure as Error).message).toContain('create StatefulSet/db1');
    expect((failure as Error).message).toContain('etcdserver: request timed out');
    expect(fake.objects.get('secrets', NS, 'db1-secret')).toBeDefined();
    expect(fake.objects.get('persistentvolumeclaims', NS, 'db1-pvc')).toBeDefined();
    expect(fake.objects.get('statefulsets', NS, 'db1')).toBeUndefined();
    expect(fake.objects.get('services', NS, 'db1-svc')).toBeUndefined();

    expect(await platform.deploy(spec(), PASSWORD)).toEqual({
      created: true,
      resources: ['StatefulSet/db1', 'Service/db1-svc'],
    });
  });

  it('stops at the first failed create, so a pod never starts without its Secret', async () => {
    const { fake, platform } = await setup();
    fake.failNext({ method: 'POST', resource: 'secrets', status: 500, message: 'boom' });
    await expect(platform.deploy(spec(), PASSWORD)).rejects.toThrow(/HTTP 500: boom/);
    expect(created(fake.requests)).toEqual([]);
    expect(fake.objects.list('statefulsets')).toEqual([]);
  });

  it('checks each object on its own, not only the StatefulSet', async () => {
    const { fake, platform } = await setup();
    // Left over from an earlier run: only the StatefulSet.
    await platform.deploy(spec(), PASSWORD);
    fake.objects.remove('secrets', NS, 'db1-secret');
    fake.objects.remove('services', NS, 'db1-svc');
    expect(await platform.deploy(spec(), PASSWORD)).toEqual({
      created: true,
      resources: ['Secret/db1-secret', 'Service/db1-svc'],
    });
  });

  it('fails with a hint when the namespace does not exist', async () => {
    const { platform } = await setup({ namespaces: ['default'] });
    const failure = await platform.deploy(spec(), PASSWORD).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect((failure as KubernetesApiError).status).toBe(404);
    expect((failure as Error).message).toMatch(
      /namespaces "toygres" not found.*kubectl create namespace toygres/,
    );
  });

  it('reports API errors briefly and without the password', async () => {
    const { fake, platform } = await setup();
    fake.failNext({
      method: 'POST',
      resource: 'secrets',
      status: 403,
      message: 'secrets is forbidden: User "dev" cannot create resource "secrets" in namespace "toygres"',
    });
    const failure = (await platform.deploy(spec(), PASSWORD).catch((e: unknown) => e)) as KubernetesApiError;
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure.status).toBe(403);
    expect(failure.reason).toBe('Forbidden');
    expect(failure.message).toBe(
      'Kubernetes: create Secret/db1-secret in namespace toygres failed: HTTP 403: ' +
        'secrets is forbidden: User "dev" cannot create resource "secrets" in namespace "toygres"',
    );
    expect(failure.message).not.toContain(PASSWORD);
  });

  it('refuses to count an object that is still being deleted as deployed', async () => {
    const { fake, platform } = await setup({ podTerminationMs: 1000 });
    await platform.deploy(spec(), PASSWORD);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.ready,
    );
    await platform.destroy(spec());
    // The pod still terminates, so the PVC is held by its protection finalizer.
    expect(
      fake.objects.get('persistentvolumeclaims', NS, 'db1-pvc')?.metadata.deletionTimestamp,
    ).toBeDefined();
    await expect(platform.deploy(spec(), PASSWORD)).rejects.toThrow(
      /PersistentVolumeClaim\/db1-pvc in namespace toygres is still being deleted/,
    );
    await waitFor(
      async () => fake.objects.get('persistentvolumeclaims', NS, 'db1-pvc'),
      (pvc) => pvc === undefined,
    );
    const again = await platform.deploy(spec(), PASSWORD);
    expect(again.resources).toEqual(['PersistentVolumeClaim/db1-pvc', 'StatefulSet/db1', 'Service/db1-svc']);
  });

  it('uses the platform namespace for a spec without one', async () => {
    const { fake, platform } = await setup({ namespaces: ['pg'] }, { namespace: 'pg' });
    await platform.deploy(spec({ namespace: '' }), PASSWORD);
    expect(fake.objects.list('statefulsets', 'pg').map((o) => o.metadata.name)).toEqual(['db1']);
  });
});

describe('readiness', () => {
  it('goes from NotFound through Pending and Running (not ready) to ready', async () => {
    const { platform } = await setup({ podReadyDelayMs: 600 });
    expect(await platform.readiness(spec())).toEqual({ ready: false, phase: 'NotFound' });
    await platform.deploy(spec(), PASSWORD);
    const { last, seen } = await waitFor(
      () => platform.readiness(spec()),
      (r: Readiness) => r.ready,
    );
    expect(last).toEqual({ ready: true, phase: 'Running' });
    const phases = [...new Set(seen.map((r) => r.phase))];
    expect(phases).toContain('Pending (ContainerCreating)');
    expect(phases).toContain('Running (not ready)');
    expect(phases.at(-1)).toBe('Running');
    expect(seen.filter((r) => r.ready).length).toBe(1);
  });

  it('reports the waiting reason of a pod whose Secret is missing', async () => {
    const clock = new VirtualClock(Date.now());
    const { fake, platform } = await setup({ podReadyDelayMs: 400, clock });
    await platform.deploy(spec(), PASSWORD);
    fake.objects.remove('secrets', NS, 'db1-secret');
    clock.advanceBy(30); // podCreateDelayMs: the pod appears
    const { last } = await waitFor(
      () => platform.readiness(spec()),
      (r) => r.phase === 'Pending (CreateContainerConfigError)',
    );
    expect(last.ready).toBe(false);
    // Long past the ready delay, a pod without its Secret is still not ready.
    clock.advanceBy(1000);
    fake.reconcile();
    expect((await platform.readiness(spec())).ready).toBe(false);
    // A retried deploy recreates the Secret and the pod starts.
    expect((await platform.deploy(spec(), PASSWORD)).resources).toEqual(['Secret/db1-secret']);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.ready,
    );
  });

  it('reports an unschedulable pod while its PVC is missing', async () => {
    const { fake, platform } = await setup({ podReadyDelayMs: 400 });
    await platform.deploy(spec(), PASSWORD);
    fake.objects.remove('persistentvolumeclaims', NS, 'db1-pvc');
    fake.objects.remove('pods', NS, 'db1-0');
    const { last } = await waitFor(
      () => platform.readiness(spec()),
      (r) => r.phase === 'Pending (Unschedulable)',
    );
    expect(last.ready).toBe(false);
    expect((await platform.deploy(spec(), PASSWORD)).resources).toEqual(['PersistentVolumeClaim/db1-pvc']);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.ready,
    );
  });
});

describe('endpoint', () => {
  it('is null until the LoadBalancer has an IP, then IP, port and Azure DNS name', async () => {
    const { platform } = await setup({ loadBalancerDelayMs: 400, region: 'swedencentral' });
    await platform.deploy(spec({ loadBalancer: true, dnsLabel: 'mydb' }), PASSWORD);
    expect(await platform.endpoint(spec({ loadBalancer: true, dnsLabel: 'mydb' }))).toBeNull();
    const { last, seen } = await waitFor(
      () => platform.endpoint(spec({ loadBalancer: true, dnsLabel: 'mydb' })),
      (e) => e !== null,
    );
    expect(seen[0]).toBeNull();
    expect(last).toEqual({
      host: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      port: 5432,
      externalIp: last!.host,
      dnsName: 'mydb.swedencentral.cloudapp.azure.com',
    });
  });

  it('leaves the DNS name out without a DNS label', async () => {
    const { platform } = await setup({ loadBalancerDelayMs: 0, loadBalancerIp: '127.0.0.1' });
    await platform.deploy(spec({ loadBalancer: true }), PASSWORD);
    const { last } = await waitFor(
      () => platform.endpoint(spec({ loadBalancer: true })),
      (e) => e !== null,
    );
    expect(last).toEqual({ host: '127.0.0.1', port: 5432, externalIp: '127.0.0.1' });
  });

  it.each([
    ['nodes cannot be read', { nodesForbidden: true }],
    ['no node has a region label', { region: null }],
  ])('leaves the DNS name out when %s', async (_what, options) => {
    const { platform } = await setup({ loadBalancerDelayMs: 0, ...options });
    await platform.deploy(spec({ loadBalancer: true, dnsLabel: 'mydb' }), PASSWORD);
    const { last } = await waitFor(
      () => platform.endpoint(spec({ loadBalancer: true, dnsLabel: 'mydb' })),
      (e) => e !== null,
    );
    expect(last!.externalIp).toBeDefined();
    expect(last!.dnsName).toBeUndefined();
  });

  it('uses the load balancer hostname when there is no IP', async () => {
    const { fake, platform } = await setup({ loadBalancerDelayMs: 60_000 });
    await platform.deploy(spec({ loadBalancer: true }), PASSWORD);
    fake.objects.get('services', NS, 'db1-svc')!.status = {
      loadBalancer: { ingress: [{ hostname: 'abc.elb.example.com' }] },
    };
    expect(await platform.endpoint(spec({ loadBalancer: true }))).toEqual({
      host: 'abc.elb.example.com',
      port: 5432,
    });
  });

  it('is the cluster DNS name for a ClusterIP Service', async () => {
    const { platform } = await setup();
    await platform.deploy(spec(), PASSWORD);
    expect(await platform.endpoint(spec())).toEqual({
      host: 'db1-svc.toygres.svc.cluster.local',
      port: 5432,
    });
  });

  it('fails when the Service does not exist', async () => {
    const { platform } = await setup();
    await expect(platform.endpoint(spec())).rejects.toThrow(
      /read Service\/db1-svc in namespace toygres failed: HTTP 404: services "db1-svc" not found/,
    );
  });
});

describe('destroy', () => {
  it('removes Service, StatefulSet, PVC and Secret; a second destroy is a no-op', async () => {
    const { fake, platform } = await setup({ podTerminationMs: 20 });
    await platform.deploy(spec({ loadBalancer: true }), PASSWORD);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.ready,
    );
    const before = fake.requests.length;
    expect(await platform.destroy(spec())).toEqual({
      deleted: true,
      removed: ['Service/db1-svc', 'StatefulSet/db1', 'PersistentVolumeClaim/db1-pvc', 'Secret/db1-secret'],
    });
    expect(deletes(fake.requests.slice(before)).map((r) => [r.path, r.status])).toEqual([
      [`/api/v1/namespaces/${NS}/services/db1-svc`, 200],
      [`/apis/apps/v1/namespaces/${NS}/statefulsets/db1`, 200],
      [`/api/v1/namespaces/${NS}/persistentvolumeclaims/db1-pvc`, 200],
      [`/api/v1/namespaces/${NS}/secrets/db1-secret`, 200],
    ]);

    // Right away (PVC still terminating) and later (all gone): nothing more to remove.
    const second = fake.requests.length;
    expect(await platform.destroy(spec())).toEqual({ deleted: false, removed: [] });
    expect(deletes(fake.requests.slice(second))).toEqual([]);
    await waitFor(
      async () => [...fake.objects.list('pods'), ...fake.objects.list('persistentvolumeclaims')],
      (left) => left.length === 0,
    );
    expect(await platform.destroy(spec())).toEqual({ deleted: false, removed: [] });
    expect(await platform.readiness(spec())).toEqual({ ready: false, phase: 'NotFound' });
    for (const resource of [
      'secrets',
      'persistentvolumeclaims',
      'statefulsets',
      'services',
      'pods',
    ] as const) {
      expect(fake.objects.list(resource)).toEqual([]);
    }
  });

  it('removes the existing pieces after a partial deploy', async () => {
    const { fake, platform } = await setup();
    fake.failNext({ method: 'POST', resource: 'statefulsets', status: 500 });
    await expect(platform.deploy(spec(), PASSWORD)).rejects.toThrow(KubernetesApiError);
    expect(await platform.destroy(spec())).toEqual({
      deleted: true,
      removed: ['PersistentVolumeClaim/db1-pvc', 'Secret/db1-secret'],
    });
    expect(fake.objects.list('persistentvolumeclaims')).toEqual([]);
    expect(fake.objects.list('secrets')).toEqual([]);
    expect(await platform.destroy(spec())).toEqual({ deleted: false, removed: [] });
  });

  it('removes orphans when the StatefulSet is already gone', async () => {
    const { fake, platform } = await setup();
    await platform.deploy(spec(), PASSWORD);
    fake.objects.remove('statefulsets', NS, 'db1');
    expect((await platform.destroy(spec())).removed).toEqual([
      'Service/db1-svc',
      'PersistentVolumeClaim/db1-pvc',
      'Secret/db1-secret',
    ]);
  });

  it('tolerates an object vanishing between read and delete', async () => {
    const { fake, platform } = await setup();
    await platform.deploy(spec(), PASSWORD);
    fake.failNext({
      method: 'DELETE',
      resource: 'services',
      status: 404,
      message: 'services "db1-svc" not found',
    });
    expect((await platform.destroy(spec())).removed).toEqual([
      'StatefulSet/db1',
      'PersistentVolumeClaim/db1-pvc',
      'Secret/db1-secret',
    ]);
  });

  it('fails on other errors, and a retry finishes the job', async () => {
    const { fake, platform } = await setup();
    await platform.deploy(spec(), PASSWORD);
    fake.failNext({
      method: 'DELETE',
      resource: 'persistentvolumeclaims',
      status: 403,
      message: 'forbidden',
    });
    await expect(platform.destroy(spec())).rejects.toThrow(
      /delete PersistentVolumeClaim\/db1-pvc in namespace toygres failed: HTTP 403: forbidden/,
    );
    expect((await platform.destroy(spec())).removed).toEqual([
      'PersistentVolumeClaim/db1-pvc',
      'Secret/db1-secret',
    ]);
  });
});

describe('logs', () => {
  it('returns the last lines of container postgres', async () => {
    const { fake, platform } = await setup({ podReadyDelayMs: 20 });
    await platform.deploy(spec(), PASSWORD);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.ready,
    );
    fake.objects.appendLog(NS, 'db1-0', 'line a', 'line b', 'line c');
    expect(await platform.logs(spec(), 2)).toEqual(['line b', 'line c']);
    expect((await platform.logs(spec(), 100)).length).toBe(7);
    expect(await platform.logs(spec(), 0)).toEqual([]);
    const logRequest = fake.requests.filter((r) => r.path.endsWith('/pods/db1-0/log')).at(0)!;
    expect(logRequest.query).toMatchObject({ container: 'postgres', tailLines: '2' });
  });

  it('fails clearly when the pod is missing or not started', async () => {
    const { platform } = await setup({ podCreateDelayMs: 0, podReadyDelayMs: 60_000 });
    await expect(platform.logs(spec(), 10)).rejects.toThrow(/HTTP 404: pods "db1-0" not found/);
    await platform.deploy(spec(), PASSWORD);
    await waitFor(
      () => platform.readiness(spec()),
      (r) => r.phase !== 'NotFound',
    );
    await expect(platform.logs(spec(), 10)).rejects.toThrow(
      /HTTP 400: container "postgres" in pod "db1-0" is waiting to start: ContainerCreating/,
    );
  });
});

describe('configuration', () => {
  it('loads the default kubeconfig from KUBECONFIG', async () => {
    const fake = await startFakeKubeApi();
    fakes.push(fake);
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = fake.kubeconfigPath;
    cleanups.push(async () => {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    });
    const platform = await createKubernetesPlatform();
    expect(platform.kind).toBe('kubernetes');
    expect(platform.kubeConfig.getCurrentContext()).toBe('fake');
    await platform.deploy(spec(), PASSWORD);
    expect(fake.objects.get('statefulsets', NS, 'db1')).toBeDefined();
  });

  it('takes settings from DUROX_KUBE_* variables', async () => {
    expect(kubernetesOptionsFromEnv({})).toEqual({});
    expect(
      kubernetesOptionsFromEnv({
        DUROX_KUBE_CONTEXT: 'aks',
        DUROX_KUBE_IN_CLUSTER: 'true',
        DUROX_KUBE_NAMESPACE: 'dbs',
        DUROX_KUBE_IMAGE: 'mirror/postgres:{version}',
        DUROX_KUBE_STORAGE_CLASS: 'managed-csi-premium',
        DUROX_KUBE_MEMORY_REQUEST: '1Gi',
        DUROX_KUBE_MEMORY_LIMIT: '2Gi',
      }),
    ).toEqual({
      context: 'aks',
      inCluster: true,
      namespace: 'dbs',
      image: 'mirror/postgres:{version}',
      storageClassName: 'managed-csi-premium',
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '2Gi' } },
    });

    const fake = await startFakeKubeApi();
    fakes.push(fake);
    const saved = { ...process.env };
    process.env.KUBECONFIG = fake.kubeconfigPath;
    process.env.DUROX_KUBE_STORAGE_CLASS = 'fast';
    process.env.DUROX_KUBE_IMAGE = 'mirror/postgres:{version}';
    cleanups.push(async () => {
      for (const name of ['KUBECONFIG', 'DUROX_KUBE_STORAGE_CLASS', 'DUROX_KUBE_IMAGE']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });
    const platform = await createKubernetesPlatform();
    await platform.deploy(spec(), PASSWORD);
    expect(fake.objects.get('persistentvolumeclaims', NS, 'db1-pvc')!.spec.storageClassName).toBe('fast');
    expect(fake.objects.get('statefulsets', NS, 'db1')!.spec.template.spec.containers[0].image).toBe(
      'mirror/postgres:17',
    );
  });

  it('uses the given context instead of the current one', async () => {
    const fake = await startFakeKubeApi();
    fakes.push(fake);
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // Current context `elsewhere` points at a dead port; context `fake` at the fake server.
    const config = kubeconfigYaml(fake.url, fake.token)
      .replace('current-context: fake', 'current-context: elsewhere')
      .replace(
        'contexts:\n',
        'contexts:\n  - name: elsewhere\n    context:\n      cluster: dead\n      user: fake\n',
      )
      .replace(
        'clusters:\n',
        'clusters:\n  - name: dead\n    cluster:\n      server: http://127.0.0.1:1\n      insecure-skip-tls-verify: true\n',
      );
    const path = join(dir, 'config');
    await writeFile(path, config);

    const wrong = new KubernetesPlatform({ kubeconfig: path });
    await expect(wrong.readiness(spec())).rejects.toThrow(KubernetesApiError);

    const right = new KubernetesPlatform({ kubeconfig: path, context: 'fake' });
    expect(await right.readiness(spec())).toEqual({ ready: false, phase: 'NotFound' });

    expect(() => new KubernetesPlatform({ kubeconfig: path, context: 'nope' })).toThrow(
      /context 'nope' not found/,
    );
  });

  it('reports rejected credentials', async () => {
    const fake = await startFakeKubeApi({ token: 'right' });
    fakes.push(fake);
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'config');
    await writeFile(path, kubeconfigYaml(fake.url, 'wrong'));
    const platform = new KubernetesPlatform({ kubeconfig: path });
    const failure = (await platform.readiness(spec()).catch((e: unknown) => e)) as KubernetesApiError;
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure.status).toBe(401);
  });
});
