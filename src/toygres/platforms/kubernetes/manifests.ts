/**
 * The Kubernetes objects of one toygres instance, as plain manifests (no client library needed).
 *
 * One instance is four objects, all labelled `app.kubernetes.io/name=postgres`,
 * `app.kubernetes.io/managed-by=durox-toygres` and `durox.dev/instance=<name>`:
 *
 * - Secret `<name>-secret` holding the password (key `password`). The password appears in this
 *   manifest only; the StatefulSet reads it through `valueFrom.secretKeyRef`.
 * - PersistentVolumeClaim `<name>-pvc` (ReadWriteOnce, `<storageGb>Gi`).
 * - StatefulSet `<name>` (one replica, pod `<name>-0`, container `postgres`) with a readiness probe
 *   (`pg_isready` over TCP on 127.0.0.1), so the pod is Ready only while PostgreSQL accepts
 *   connections, and resource requests.
 * - Service `<name>-svc` on port 5432: ClusterIP, or LoadBalancer (with the Azure DNS label
 *   annotation when a DNS label is given).
 */
import type { InstanceSpec } from '../platform.js';

export const POSTGRES_PORT = 5432;
export const CONTAINER_NAME = 'postgres';
export const PASSWORD_KEY = 'password';
export const DATA_MOUNT_PATH = '/var/lib/postgresql/data';
/** A subdirectory of the mount, so initdb never meets the volume's `lost+found`. */
export const PGDATA = `${DATA_MOUNT_PATH}/pgdata`;
export const AZURE_DNS_LABEL_ANNOTATION = 'service.beta.kubernetes.io/azure-dns-label-name';
export const INSTANCE_LABEL = 'durox.dev/instance';
export const DEFAULT_NAMESPACE = 'toygres';
export const DEFAULT_IMAGE = 'postgres:{version}';

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export const DEFAULT_RESOURCES: ResourceRequirements = { requests: { cpu: '250m', memory: '256Mi' } };

export const DEFAULT_READINESS_COMMAND: readonly string[] = [
  'pg_isready',
  '-U',
  'postgres',
  '-h',
  '127.0.0.1',
];

/** What shapes the manifests besides the instance spec. */
export interface ManifestOptions {
  /** Image, `{version}` replaced by the PostgreSQL version. Default `postgres:{version}`. */
  image?: string;
  /** Container resources. Default: requests cpu 250m, memory 256Mi, no limits. */
  resources?: ResourceRequirements;
  /** Storage class of the PVC. Default: none (the cluster's default class). */
  storageClassName?: string;
  /** Readiness probe command. Default `pg_isready -U postgres -h 127.0.0.1`. */
  readinessCommand?: readonly string[];
}

/** A Kubernetes object as sent to the API (loosely typed, so tests and the fake can read it). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface InstanceManifests {
  secret: Manifest;
  pvc: Manifest;
  statefulSet: Manifest;
  service: Manifest;
}

export interface ResourceNames {
  secret: string;
  pvc: string;
  statefulSet: string;
  service: string;
  pod: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,49}$/;
const DNS_LABEL_PATTERN = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function resourceNames(name: string): ResourceNames {
  return {
    secret: `${name}-secret`,
    pvc: `${name}-pvc`,
    statefulSet: name,
    service: `${name}-svc`,
    pod: `${name}-0`,
  };
}

/** Labels on every object of an instance (and its pod). */
export function instanceLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'postgres',
    'app.kubernetes.io/managed-by': 'durox-toygres',
    [INSTANCE_LABEL]: name,
  };
}

/** The labels that select an instance's pod (StatefulSet selector, Service selector). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'postgres', [INSTANCE_LABEL]: name };
}

/** Throws when the spec cannot become valid Kubernetes objects. */
export function validateSpec(spec: InstanceSpec): void {
  if (!NAME_PATTERN.test(spec.name) || spec.name.endsWith('-')) {
    throw new Error(
      `invalid instance name '${spec.name}': use lowercase letters, digits and '-', start with a letter, ` +
        'end with a letter or digit, at most 50 characters',
    );
  }
  if (!Number.isInteger(spec.storageGb) || spec.storageGb < 1) {
    throw new Error(`invalid storageGb ${spec.storageGb}: a whole number of GiB, at least 1`);
  }
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(spec.postgresVersion)) {
    throw new Error(`invalid postgresVersion '${spec.postgresVersion}'`);
  }
  if (spec.dnsLabel !== undefined && spec.dnsLabel !== '' && !DNS_LABEL_PATTERN.test(spec.dnsLabel)) {
    throw new Error(
      `invalid dnsLabel '${spec.dnsLabel}': lowercase letters, digits and '-', starting with a letter, ` +
        'at most 63 characters',
    );
  }
}

export function imageFor(version: string, image: string = DEFAULT_IMAGE): string {
  return image.replaceAll('{version}', version);
}

function metadata(spec: InstanceSpec, name: string, namespace: string): Manifest['metadata'] {
  return { name, namespace, labels: instanceLabels(spec.name) };
}

function resourcesOf(resources: ResourceRequirements): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const key of ['requests', 'limits'] as const) {
    const list = resources[key];
    if (!list) continue;
    const entries = Object.entries(list).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (entries.length > 0) out[key] = Object.fromEntries(entries);
  }
  return out;
}

/**
 * The four manifests of `spec` in `namespace`. Only the Secret contains `password`.
 */
export function buildManifests(
  spec: InstanceSpec,
  namespace: string,
  password: string,
  options: ManifestOptions = {},
): InstanceManifests {
  const names = resourceNames(spec.name);
  const dnsLabel = spec.loadBalancer && spec.dnsLabel ? spec.dnsLabel : undefined;

  const secret: Manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(spec, names.secret, namespace),
    type: 'Opaque',
    stringData: { [PASSWORD_KEY]: password },
  };

  const pvc: Manifest = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(spec, names.pvc, namespace),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: `${spec.storageGb}Gi` } },
      ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
    },
  };

  const statefulSet: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(spec, names.statefulSet, namespace),
    spec: {
      replicas: 1,
      serviceName: names.service,
      selector: { matchLabels: selectorLabels(spec.name) },
      template: {
        metadata: { labels: instanceLabels(spec.name) },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: imageFor(spec.postgresVersion, options.image),
              ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
              env: [
                {
                  name: 'POSTGRES_PASSWORD',
                  valueFrom: { secretKeyRef: { name: names.secret, key: PASSWORD_KEY } },
                },
                { name: 'POSTGRES_USER', value: 'postgres' },
                { name: 'POSTGRES_DB', value: 'postgres' },
                { name: 'PGDATA', value: PGDATA },
              ],
              readinessProbe: {
                exec: { command: [...(options.readinessCommand ?? DEFAULT_READINESS_COMMAND)] },
                initialDelaySeconds: 5,
                periodSeconds: 5,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              resources: resourcesOf(options.resources ?? DEFAULT_RESOURCES),
              volumeMounts: [{ name: 'data', mountPath: DATA_MOUNT_PATH }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: names.pvc } }],
        },
      },
    },
  };

  const service: Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...metadata(spec, names.service, namespace),
      ...(dnsLabel ? { annotations: { [AZURE_DNS_LABEL_ANNOTATION]: dnsLabel } } : {}),
    },
    spec: {
      type: spec.loadBalancer ? 'LoadBalancer' : 'ClusterIP',
      selector: selectorLabels(spec.name),
      ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT, protocol: 'TCP' }],
    },
  };

  return { secret, pvc, statefulSet, service };
}
