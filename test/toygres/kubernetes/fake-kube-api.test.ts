/**
 * The fake API server speaks the REST paths and status codes of the real one (raw HTTP here).
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeKubeApi } from './fake-kube-api.js';
import type { FakeKubeApi } from './fake-kube-api.js';

let fake: FakeKubeApi | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = fake!.token,
): Promise<{ status: number; body: any; type: string | null }> {
  const response = await fetch(`${fake!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = response.headers.get('content-type');
  const text = await response.text();
  return { status: response.status, body: type === 'application/json' ? JSON.parse(text) : text, type };
}

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { password: 'pw' } };

describe('fake Kubernetes API', () => {
  it('creates (201), conflicts (409), reads (200), deletes (200) and misses (404)', async () => {
    fake = await startFakeKubeApi();
    const base = '/api/v1/namespaces/toygres/secrets';
    const created = await api('POST', base, secret);
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 's1', namespace: 'toygres' });
    expect(created.body.metadata.uid).toEqual(expect.any(String));
    expect(created.body.stringData).toBeUndefined();
    expect(created.body.data).toEqual({ password: Buffer.from('pw').toString('base64') });

    const conflict = await api('POST', base, secret);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'secrets "s1" already exists',
    });

    expect((await api('GET', `${base}/s1`)).status).toBe(200);
    const listed = await api('GET', `${base}?labelSelector=${encodeURIComponent('a=b')}`);
    expect(listed.body).toMatchObject({ kind: 'SecretList', items: [] });
    expect((await api('GET', base)).body.items).toHaveLength(1);

    expect((await api('DELETE', `${base}/s1`)).status).toBe(200);
    const missing = await api('GET', `${base}/s1`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'secrets "s1" not found', code: 404 });
    expect((await api('DELETE', `${base}/s1`)).status).toBe(404);
  });

  it('serves StatefulSets under apps/v1 and runs them as pod <name>-0', async () => {
    fake = await startFakeKubeApi({ podCreateDelayMs: 0, podReadyDelayMs: 0, podTerminationMs: 10_000 });
    const labels = { app: 'x' };
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: labels },
        serviceName: 'web',
        template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    };
    expect((await api('POST', '/apis/apps/v1/namespaces/toygres/statefulsets', sts)).status).toBe(201);
    fake.reconcile();
    fake.reconcile();
    const pod = await api('GET', '/api/v1/namespaces/toygres/pods/web-0');
    expect(pod.status).toBe(200);
    expect(pod.body.metadata.labels).toMatchObject(labels);
    expect(pod.body.metadata.ownerReferences[0]).toMatchObject({ kind: 'StatefulSet', name: 'web' });
    // No readiness probe: Ready as soon as the container runs.
    expect(pod.body.status.conditions).toContainEqual({ type: 'Ready', status: 'True' });

    const log = await api('GET', '/api/v1/namespaces/toygres/pods/web-0/log?container=c&tailLines=1');
    expect(log.status).toBe(200);
    expect(log.type).toBe('text/plain');
    expect(log.body).toBe('LOG:  database system is ready to accept connections\n');
    expect((await api('GET', '/api/v1/namespaces/toygres/pods/web-0/log?container=zz')).status).toBe(400);

    expect((await api('DELETE', '/apis/apps/v1/namespaces/toygres/statefulsets/web')).status).toBe(200);
    fake.reconcile();
    const terminating = await api('GET', '/api/v1/namespaces/toygres/pods/web-0');
    expect(terminating.body.metadata.deletionTimestamp).toEqual(expect.any(String));
  });

  it('rejects invalid objects (422), missing namespaces (404), unknown paths (404) and bad tokens (401)', async () => {
    fake = await startFakeKubeApi();
    const badSts = {
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    const invalid = await api('POST', '/apis/apps/v1/namespaces/toygres/statefulsets', badSts);
    expect(invalid.status).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
    expect((await api('POST', '/api/v1/namespaces/nope/secrets', secret)).status).toBe(404);
    expect((await api('GET', '/api/v1/namespaces/toygres/configmaps')).status).toBe(404);
    expect((await api('GET', '/api/v1/namespaces/toygres/secrets', undefined, 'wrong')).status).toBe(401);
  });

  it('lists nodes with their region label, or forbids it', async () => {
    fake = await startFakeKubeApi({ region: 'eastus2' });
    const nodes = await api('GET', '/api/v1/nodes?limit=1');
    expect(nodes.body.items[0].metadata.labels['topology.kubernetes.io/region']).toBe('eastus2');
    await fake.close();
    fake = await startFakeKubeApi({ nodesForbidden: true });
    expect((await api('GET', '/api/v1/nodes')).status).toBe(403);
  });

  it('writes a kubeconfig pointing at the server', async () => {
    fake = await startFakeKubeApi();
    const config = await readFile(fake.kubeconfigPath, 'utf8');
    expect(config).toContain(`server: ${fake.url}`);
    expect(config).toContain('current-context: fake');
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
