import { describe, expect, it } from 'vitest';
import { podReadiness } from '../../../src/toygres/platforms/kubernetes/kubernetes-platform.js';
import {
  AZURE_DNS_LABEL_ANNOTATION,
  buildManifests,
  instanceLabels,
  resourceNames,
  validateSpec,
} from '../../../src/toygres/platforms/kubernetes/manifests.js';
import type { InstanceSpec } from '../../../src/toygres/platforms/platform.js';

const PASSWORD = 'S3cr3t-pa$$word!';

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    name: 'db1',
    namespace: 'toygres',
    postgresVersion: '17',
    storageGb: 5,
    loadBalancer: false,
    ...overrides,
  };
}

function container(statefulSet: Record<string, any>): any {
  return statefulSet.spec.template.spec.containers[0];
}

describe('resource names and labels', () => {
  it('derives the four object names and the pod name from the instance name', () => {
    expect(resourceNames('db1')).toEqual({
      secret: 'db1-secret',
      pvc: 'db1-pvc',
      statefulSet: 'db1',
      service: 'db1-svc',
      pod: 'db1-0',
    });
  });

  it('labels every object with name, managed-by and instance', () => {
    const m = buildManifests(spec(), 'toygres', PASSWORD);
    const expected = {
      'app.kubernetes.io/name': 'postgres',
      'app.kubernetes.io/managed-by': 'durox-toygres',
      'durox.dev/instance': 'db1',
    };
    for (const manifest of Object.values(m)) {
      expect(manifest.metadata.labels).toEqual(expected);
      expect(manifest.metadata.namespace).toBe('toygres');
    }
    const sts = m.statefulSet as any;
    expect(sts.spec.template.metadata.labels).toEqual(expected);
    expect(sts.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'postgres',
      'durox.dev/instance': 'db1',
    });
    expect((m.service as any).spec.selector).toEqual(sts.spec.selector.matchLabels);
  });
});

describe('buildManifests', () => {
  it('puts the password in the Secret only', () => {
    const m = buildManifests(spec({ loadBalancer: true, dnsLabel: 'mydb' }), 'toygres', PASSWORD);
    expect(m.secret.stringData).toEqual({ password: PASSWORD });
    expect(m.secret.type).toBe('Opaque');
    for (const other of [m.pvc, m.statefulSet, m.service]) {
      expect(JSON.stringify(other)).not.toContain(PASSWORD);
    }
    expect(container(m.statefulSet).env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'db1-secret', key: 'password' } },
    });
  });

  it('builds a one-replica StatefulSet with image, env, PGDATA under the mount, probe and requests', () => {
    const sts = buildManifests(spec(), 'toygres', PASSWORD).statefulSet as any;
    expect(sts.apiVersion).toBe('apps/v1');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('db1-svc');
    const c = container(sts);
    expect(c.name).toBe('postgres');
    expect(c.image).toBe('postgres:17');
    expect(c.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
    const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres' });
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/postgresql/data' }]);
    expect(env.PGDATA).toMatch(/^\/var\/lib\/postgresql\/data\/.+/);
    expect(sts.spec.template.spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'db1-pvc' } },
    ]);
    expect(c.readinessProbe.exec.command).toEqual(['pg_isready', '-U', 'postgres', '-h', '127.0.0.1']);
    expect(c.readinessProbe.periodSeconds).toBeGreaterThan(0);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' } });
  });

  it('applies image template, resources, storage class and probe options', () => {
    const m = buildManifests(spec({ postgresVersion: '16' }), 'ns2', PASSWORD, {
      image: 'registry.example/pg:{version}-alpine',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
      storageClassName: 'managed-csi',
      readinessCommand: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
    });
    const c = container(m.statefulSet);
    expect(c.image).toBe('registry.example/pg:16-alpine');
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(c.readinessProbe.exec.command).toEqual(['pg_isready', '-h', '127.0.0.1', '-p', '5432']);
    expect((m.pvc as any).spec.storageClassName).toBe('managed-csi');
    expect(m.pvc.metadata.namespace).toBe('ns2');
  });

  it('builds a ReadWriteOnce PVC of storageGb Gi without a storage class by default', () => {
    const pvc = buildManifests(spec({ storageGb: 20 }), 'toygres', PASSWORD).pvc as any;
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '20Gi' } },
    });
  });

  it('builds a ClusterIP Service without annotations unless a LoadBalancer is asked for', () => {
    const clusterIp = buildManifests(spec({ dnsLabel: 'ignored' }), 'toygres', PASSWORD).service as any;
    expect(clusterIp.spec.type).toBe('ClusterIP');
    expect(clusterIp.metadata.annotations).toBeUndefined();
    expect(clusterIp.spec.ports).toEqual([
      { name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' },
    ]);

    const lb = buildManifests(spec({ loadBalancer: true }), 'toygres', PASSWORD).service as any;
    expect(lb.spec.type).toBe('LoadBalancer');
    expect(lb.metadata.annotations).toBeUndefined();

    const labelled = buildManifests(spec({ loadBalancer: true, dnsLabel: 'mydb' }), 'toygres', PASSWORD)
      .service as any;
    expect(labelled.metadata.annotations).toEqual({ [AZURE_DNS_LABEL_ANNOTATION]: 'mydb' });
    expect(labelled.metadata.labels).toEqual(instanceLabels('db1'));
  });
});

describe('validateSpec', () => {
  it('accepts valid specs', () => {
    expect(() => validateSpec(spec())).not.toThrow();
    expect(() => validateSpec(spec({ name: 'a'.repeat(50), dnsLabel: 'my-db-1' }))).not.toThrow();
  });

  it.each([
    ['an upper-case name', { name: 'Db1' }],
    ['a name starting with a digit', { name: '1db' }],
    ['a name ending with a dash', { name: 'db-' }],
    ['a name over 50 characters', { name: 'a'.repeat(51) }],
    ['a name with a dot', { name: 'db.1' }],
    ['zero storage', { storageGb: 0 }],
    ['fractional storage', { storageGb: 1.5 }],
    ['a version with a space', { postgresVersion: '17 beta' }],
    ['an invalid DNS label', { dnsLabel: 'My_DB' }],
  ])('rejects %s', (_what, overrides) => {
    expect(() => validateSpec(spec(overrides as Partial<InstanceSpec>))).toThrow(/invalid/);
  });
});

describe('podReadiness', () => {
  it('is ready only with phase Running and condition Ready=True', () => {
    expect(
      podReadiness({
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }),
    ).toEqual({ ready: true, phase: 'Running' });
  });

  it('reports what holds a pod up', () => {
    expect(podReadiness({ status: {} })).toEqual({ ready: false, phase: 'Pending' });
    expect(
      podReadiness({
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
        },
      }),
    ).toEqual({ ready: false, phase: 'Pending (Unschedulable)' });
    expect(
      podReadiness({
        status: {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'postgres',
              image: 'postgres:17',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff' } },
            },
          ],
        },
      }),
    ).toEqual({ ready: false, phase: 'Pending (ImagePullBackOff)' });
    expect(
      podReadiness({
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            {
              name: 'postgres',
              image: 'postgres:17',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { running: {} },
            },
          ],
        },
      }),
    ).toEqual({ ready: false, phase: 'Running (not ready)' });
    expect(
      podReadiness({
        metadata: { deletionTimestamp: new Date() },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }),
    ).toEqual({ ready: false, phase: 'Terminating' });
  });
});
